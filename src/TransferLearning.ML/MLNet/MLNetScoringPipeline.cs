using Google.Protobuf;
using Microsoft.ML;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.MLNet;

/// <summary>
/// Expresses a <see cref="TransferModel"/> as a pipeline of ML.NET transforms that ML.NET can save and load:
/// the library's own decoding and preprocessing as a custom mapping (<see cref="ImagePixelsMapping"/>: the same
/// resize, crop and normalisation as training, which ML.NET's LoadImages/ResizeImages/ExtractPixels do not reproduce
/// exactly) →
/// ApplyOnnxModel (the classifier with an ArgMax output) → Score (probabilities in class order) and PredictedLabel
/// (a key whose values are the class names). Loading a saved pipeline needs
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(TransferLearningCatalog).Assembly)</c> first.
/// </summary>
public static class MLNetScoringPipeline
{

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
        var pairs = model.ClassNames.Select((name, i) => new KeyValuePair<int, string>(i, name)).ToArray();
        string spec = ImagePixelsMapping.Describe(p);
        var catalog = mlContext.Transforms;
        // the spec column is a constant computed from a scalar column: the path itself, or a marker for bytes
        IEstimator<ITransformer> pipeline = catalog.CopyColumns(ImagePixelsMapping.ImageColumn, imageColumnName);
        string specSource = ImagePixelsMapping.ImageColumn;
        if (isBytes)
        {
            pipeline = pipeline.Append(catalog.CustomMapping(new ImageMarkerFactory().GetMapping(), ImagePixelsMapping.MarkerContract));
            specSource = ImagePixelsMapping.MarkerColumn;
        }
        return pipeline
            .Append(catalog.Expression(ImagePixelsMapping.SpecColumn, $"x => \"{spec}\"", specSource))
            .Append(isBytes
                ? (IEstimator<ITransformer>)catalog.CustomMapping(new ImageBytesPixelsFactory().GetMapping(), ImagePixelsMapping.FromBytesContract)
                : catalog.CustomMapping(new ImagePathPixelsFactory().GetMapping(), ImagePixelsMapping.FromPathContract))
            .Append(catalog.ApplyOnnxModel(
                outputColumnNames: [ImagePixelsMapping.ScoreColumn],
                inputColumnNames: [ImagePixelsMapping.PixelsColumn],
                modelBytes: new MemoryStream(onnx),
                // no shape dictionary: the pixels column is a variable-length vector (a custom mapping's output size
                // is fixed at compile time), whose shape ML.NET infers from the graph input (see ScoringGraph)
                shapeDictionary: (IDictionary<string, int[]>?)null,
                gpuDeviceId: null, fallbackToCpu: false))
            .Append(catalog.CustomMapping(new ArgMaxFactory().GetMapping(), ImagePixelsMapping.ArgMaxContract))
            .Append(catalog.CopyColumns(scoreColumnName, ImagePixelsMapping.ScoreColumn))
            .Append(catalog.Conversion.MapValue(predictedLabelColumnName, pairs, ImagePixelsMapping.IndexColumn, treatValuesAsKeyType: true))
            .Append(catalog.DropColumns([ImagePixelsMapping.ImageColumn, ImagePixelsMapping.SpecColumn, ImagePixelsMapping.PixelsColumn,
                ImagePixelsMapping.ScoreColumn, ImagePixelsMapping.IndexColumn, .. isBytes ? new[] { ImagePixelsMapping.MarkerColumn } : []]));
    }

    /// <summary>The exported classifier with the outputs' batch fixed to 1 (ML.NET scores row by row, and a fixed
    /// size gives a known-size Score vector) and the input renamed to the pixels column.</summary>
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
        return proto.ToByteArray();
    }
}
