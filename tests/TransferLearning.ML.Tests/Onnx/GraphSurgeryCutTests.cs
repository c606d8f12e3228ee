using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class GraphSurgeryCutTests
{
    [SharedTheory("models/architectures")]
    [InlineData("vgg16", 224)]
    [InlineData("resnet18", 224)]
    [InlineData("resnet50", 224)]
    [InlineData("inception_v3", 299)]
    [InlineData("densenet121", 224)]
    [InlineData("efficientnet_b0", 224)]
    [InlineData("mobilenet_v2", 224)]
    public void Cut_graph_gives_the_feature_values_of_the_full_graph(string architecture, int size)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture(architecture))
            .MaterializeParameterInputs(seed: 11, ParameterInitialization.RandomForTesting);
        var feature = GraphSurgery.FindFeatureTensor(model);
        float[] image = Images(seed: 4, count: 1, channels: 3, height: size, width: size);

        var cut = GraphSurgery.CutAt(model, feature.Name);
        using var cutSession = new InferenceSession(cut.ToBytes(), new SessionOptions { IntraOpNumThreads = 2 });
        using var input = OrtValue.CreateTensorValueFromMemory(image, [1, 3, size, size]);
        using var cutResult = cutSession.Run(new RunOptions(), ["input"], [input], [feature.Name]);
        float[] full = Run(GraphSurgery.ExposeOutputs(model, feature.Name).ToBytes(), "input", image, [1, 3, size, size],
            feature.Name)[0];

        Assert.Equal([1L, .. feature.Shape], cutResult[0].GetTensorTypeAndShape().Shape);
        float[] cutValues = cutResult[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(full.Length, cutValues.Length);
        float scale = full.Max(Math.Abs);
        Assert.InRange(scale, 1e-2f, 1e2f); // activations of order one: the comparison means something
        for (int i = 0; i < full.Length; i++) Assert.Equal(full[i], cutValues[i], 1e-5f * scale);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Cut_graph_keeps_only_what_the_feature_tensor_needs()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        var cut = GraphSurgery.CutAt(model, "/GlobalAveragePool_output_0");

        Assert.DoesNotContain(cut.Graph.Node, n => n.OpType is "Gemm" or "Flatten");
        Assert.DoesNotContain(cut.Graph.Initializer, t => t.Name.StartsWith("classifier", StringComparison.Ordinal));
        Assert.Equal(model.Graph.Node.Count - 2, cut.Graph.Node.Count);
        Assert.Equal(model.Graph.Initializer.Count - 2, cut.Graph.Initializer.Count);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Cut_graph_declares_its_output_with_a_symbolic_batch_and_the_inferred_shape()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        var cut = GraphSurgery.CutAt(model, "/GlobalAveragePool_output_0");

        var output = Assert.Single(cut.Outputs);
        Assert.Equal("/GlobalAveragePool_output_0", output.Name);
        Assert.Equal(new long?[] { null, 1280, 1, 1 }, output.Dimensions);
        Assert.Equal("N", cut.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(model.Opset, cut.Opset);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx", "models/mobilenetv2-imagenet.onnx")]
    public void Cut_int8_graph_outputs_dequantized_features_close_to_the_float_model()
    {
        var quantized = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));
        var floating = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        float[] image = Images(seed: 8, count: 1, channels: 3, height: 224, width: 224);

        var cut = GraphSurgery.CutAt(quantized, GraphSurgery.FindFeatureTensor(quantized).Name);
        // the library's session options: exact int8 kernels on CPUs without VNNI, where the fast ones saturate
        using var options = new OnnxRuntimeOptions { IntraOpThreads = 2 }.ToSessionOptions();
        using var session = new InferenceSession(cut.ToBytes(), options);
        float[] fromInt8 = Run(session, "input", image, [1, 3, 224, 224], cut.Outputs[0].Name)[0];
        float[] fromFloat = Run(GraphSurgery.CutAt(floating, "/GlobalAveragePool_output_0").ToBytes(), "input", image,
            [1, 3, 224, 224], "/GlobalAveragePool_output_0")[0];

        Assert.Equal("464_quantized_dequantized", cut.Outputs[0].Name);
        Assert.Equal(1280, fromInt8.Length);
        Assert.InRange(Correlation(fromInt8, fromFloat), 0.9, 1.0);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx", "models/mobilenetv2-imagenet.onnx", "datasets/kermany-cxr/train")]
    public void Int8_backbone_features_of_real_chest_xrays_track_the_float_model_on_any_x86_cpu()
    {
        // AVX2-only CPUs without the library's exact-kernel option: mean 0.81, worst 0.67 on such images
        var int8 = ML.Backbones.Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));
        var floating = ML.Backbones.Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        var files = new[] { "NORMAL", "PNEUMONIA" }
            .SelectMany(c => Directory.EnumerateFiles(RepositoryPaths.SharedDataset("kermany-cxr", "train", c)).Order(StringComparer.Ordinal).Take(4))
            .ToArray();
        var tensorizer = new ML.Data.Tensorizer(int8.Preprocessing);
        int per = int8.Preprocessing.ValuesPerImage;
        float[] images = new float[files.Length * per];
        for (int i = 0; i < files.Length; i++)
            tensorizer.Write(ML.Data.ImageDecoder.DecodeFile(files[i], int8.Preprocessing), images.AsSpan(i * per, per));

        using var fromInt8 = new OnnxRuntimeFeatureExtractor(int8.FeatureGraph, new OnnxRuntimeOptions { IntraOpThreads = 2 });
        using var fromFloat = new OnnxRuntimeFeatureExtractor(floating.FeatureGraph, new OnnxRuntimeOptions { IntraOpThreads = 2 });
        float[] a = fromInt8.Extract(images, files.Length), b = fromFloat.Extract(images, files.Length);

        for (int i = 0; i < files.Length; i++)
            Assert.InRange(Correlation(a.AsSpan(i * 1280, 1280).ToArray(), b.AsSpan(i * 1280, 1280).ToArray()), 0.9, 1.0);
    }

    [Fact]
    public void ExposeOutputs_adds_outputs_and_keeps_the_existing_ones()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        var exposed = GraphSurgery.ExposeOutputs(model, "pooled", "relu_out", "logits");

        Assert.Equal(["logits", "pooled", "relu_out"], exposed.Outputs.Select(o => o.Name));
        Assert.Equal(new long?[] { null, 2, 6, 6 }, exposed.Outputs[2].Dimensions);
        float[][] values = Run(exposed.ToBytes(), "x", Images(1, 1, 1, 6, 6), [1, 1, 6, 6], "logits", "pooled", "relu_out");
        Assert.Equal([3, 2, 72], values.Select(v => v.Length));
        Assert.Single(model.Outputs);
    }

    [Fact]
    public void WithDynamicBatch_lets_a_fixed_batch_model_run_any_batch()
    {
        var proto = SmallClassifier();
        proto.Graph.Input[0] = ValueInfo("x", TensorProto.Types.DataType.Float, 1, 1, 6, 6);
        proto.Graph.Output[0] = ValueInfo("logits", TensorProto.Types.DataType.Float, 1, 3);
        var model = OnnxModel.FromBytes(proto.ToByteArray());

        var dynamic = GraphSurgery.WithDynamicBatch(model);

        Assert.Equal(new long?[] { null, 1, 6, 6 }, dynamic.Inputs[0].Dimensions);
        Assert.Equal(new long?[] { null, 3 }, dynamic.Outputs[0].Dimensions);
        Assert.Equal(9, Run(dynamic.ToBytes(), "x", Images(2, 3, 1, 6, 6), [3, 1, 6, 6], "logits")[0].Length);
        Assert.Equal(new long?[] { 1, 1, 6, 6 }, model.Inputs[0].Dimensions);
    }

    private static double Correlation(float[] a, float[] b)
    {
        double meanA = a.Average(), meanB = b.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - meanA) * (b[i] - meanB);
            aa += (a[i] - meanA) * (a[i] - meanA);
            bb += (b[i] - meanB) * (b[i] - meanB);
        }
        return ab / Math.Sqrt(aa * bb);
    }
}
