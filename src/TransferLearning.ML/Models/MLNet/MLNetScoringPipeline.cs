using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Models.MLNet;

/// <summary>
/// Expresses a <see cref="TransferModel"/> as a pipeline of ML.NET transforms that ML.NET can save and load:
/// the library's own decoding and preprocessing as a custom mapping (<see cref="ImagePixelsMapping"/>; ML.NET's
/// LoadImages/ExtractPixels are compiled against SkiaSharp 2 and fail with the SkiaSharp 3 this library uses) →
/// ApplyOnnxModel (the classifier with an ArgMax output) → Score (probabilities in class order) and PredictedLabel
/// (a key whose values are the class names). Loading a saved pipeline needs
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(TransferLearningCatalog).Assembly)</c> first.
/// </summary>
public static class MLNetScoringPipeline
{
    private const string IndexOutput = "tl_predicted_index";

    /// <summary>
    /// The estimator chain that scores images with <paramref name="model"/>; fit it on any data view with the image
    /// column (fitting trains nothing: it only fixes the schema). Predicted labels use argmax over the scores,
    /// ML.NET's multiclass convention (the model's two-class decision threshold is not applied).
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="imageColumnName">A path column (text) or an encoded-bytes column (vector of bytes).</param>
    /// <param name="isBytes">Whether the image column holds encoded bytes (a byte vector) rather than paths. Default false.</param>
    /// <param name="scoreColumnName">Default <c>"Score"</c>.</param>
    /// <param name="predictedLabelColumnName">Default <c>"PredictedLabel"</c>.</param>
    public static IEstimator<ITransformer> Create(MLContext mlContext, TransferModel model, string imageColumnName,
        bool isBytes = false, string scoreColumnName = "Score", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(imageColumnName);
        var p = model.Preprocessing;
        byte[] onnx = ScoringGraph(model);
        var pairs = model.ClassNames.Select((name, i) => new KeyValuePair<long, string>(i, name)).ToArray();
        string spec = ImagePixelsMapping.Describe(p);
        IEstimator<ITransformer> pixels = isBytes
            ? mlContext.Transforms.CustomMapping(new ImageBytesPixelsFactory().GetMapping(), ImagePixelsMapping.FromBytesContract)
            : mlContext.Transforms.CustomMapping(new ImagePathPixelsFactory().GetMapping(), ImagePixelsMapping.FromPathContract);
        return mlContext.Transforms.CopyColumns(ImagePixelsMapping.ImageColumn, imageColumnName)
            .Append(mlContext.Transforms.Expression(ImagePixelsMapping.SpecColumn, $"x => \"{spec}\"", ImagePixelsMapping.ImageColumn))
            .Append(pixels)
            .Append(mlContext.Transforms.ApplyOnnxModel(
                outputColumnNames: [ClassifierGraphBuilder.ProbabilitiesOutput, IndexOutput],
                inputColumnNames: [ImagePixelsMapping.PixelsColumn],
                modelBytes: new MemoryStream(onnx),
                // no shape dictionary: the pixels column is a variable-length vector (a custom mapping's output size
                // is fixed at compile time), whose shape ML.NET infers from the graph input (see ScoringGraph)
                shapeDictionary: (IDictionary<string, int[]>?)null,
                gpuDeviceId: null, fallbackToCpu: false))
            .Append(mlContext.Transforms.CopyColumns(scoreColumnName, ClassifierGraphBuilder.ProbabilitiesOutput))
            .Append(mlContext.Transforms.Conversion.MapValue(predictedLabelColumnName, pairs, IndexOutput, treatValuesAsKeyType: true))
            .Append(mlContext.Transforms.DropColumns(ImagePixelsMapping.ImageColumn, ImagePixelsMapping.SpecColumn,
                ImagePixelsMapping.PixelsColumn, ClassifierGraphBuilder.ProbabilitiesOutput, IndexOutput));
    }

    /// <summary>The exported classifier with the outputs' batch fixed to 1 (ML.NET scores row by row, and a fixed
    /// size gives a known-size Score vector), the input renamed to the pixels column, and a scalar int64 argmax output.</summary>
    internal static byte[] ScoringGraph(TransferModel model)
    {
        var proto = ModelProto.Parser.ParseFrom(model.ExportOnnxBytes(bakeNormalization: false, inputName: ImagePixelsMapping.PixelsColumn));
        var graph = proto.Graph;
        foreach (var value in graph.Output)
            if (value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape)
                shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        // ML.NET fixes a symbolic batch to 1 and then, for a variable-length input vector, infers the one remaining
        // symbolic dimension from the vector's length: the channel dimension plays that part
        var input = graph.Input.Single(i => i.Name == ImagePixelsMapping.PixelsColumn).Type.TensorType.Shape;
        input.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        input.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "channels" };
        // ArgMax gives [1]; a Reshape to rank 0 makes ML.NET type the column as a scalar, which MapValue turns
        // into the scalar key ML.NET's evaluators and PredictionEngine expect
        var argmax = new NodeProto { OpType = "ArgMax", Name = "tl.argmax" };
        argmax.Input.Add(ClassifierGraphBuilder.ProbabilitiesOutput);
        argmax.Output.Add("tl.argmax.out");
        argmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        argmax.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(argmax);
        var scalarShape = new TensorProto { Name = "tl.scalar_shape", DataType = (int)TensorProto.Types.DataType.Int64 };
        scalarShape.Dims.Add(0);
        graph.Initializer.Add(scalarShape);
        var reshape = new NodeProto { OpType = "Reshape", Name = "tl.scalar" };
        reshape.Input.Add(["tl.argmax.out", "tl.scalar_shape"]);
        reshape.Output.Add(IndexOutput);
        graph.Node.Add(reshape);
        graph.Output.Add(new ValueInfoProto
        {
            Name = IndexOutput,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = new TensorShapeProto() } },
        });
        return proto.ToByteArray();
    }
}
