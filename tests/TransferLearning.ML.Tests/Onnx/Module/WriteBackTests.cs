using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Trained weights go back into ONNX, and re-initialisation is reproducible.</summary>
public sealed class WriteBackTests
{
    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Trained_weights_round_trip_through_onnx_runtime()
    {
        ModelProto model = ModuleFixtures.MobileNetV2();
        using var module = OnnxModule.FromModel(model);
        module.train();
        using (var scope = NewDisposeScope())
        {
            using var optimizer = optim.SGD(module.parameters(), 0.05);
            Tensor loss = module.forward(torch.randn(2, 3, 64, 64, generator: new Generator(11))).pow(2).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        Assert.False(ModuleFixtures.ToArray(module.ParameterOf("classifier.1.weight"))
            .SequenceEqual(InitializerValues(model, "classifier.1.weight")));

        module.eval();
        float[] input = ModuleFixtures.RandomInput(2 * 3 * 224 * 224, seed: 12);
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
            expected = ModuleFixtures.ToArray(module.forward(torch.tensor(input, [2, 3, 224, 224])));
        ModelProto written = ModelProto.Parser.ParseFrom(module.ToOnnxBytes());
        float[] actual = OnnxRuntimeReference.Run(written, module.InputName, input, [2, 3, 224, 224]);
        Assert.True(OnnxRuntimeReference.RelativeError(actual, expected) <= 1e-4);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Cut_module_writes_the_graph_it_executes()
    {
        ModelProto model = ModuleFixtures.MobileNetV2();
        string features = ModuleFixtures.FeatureTensor(model);
        using var module = OnnxModule.FromModel(model, new OnnxModuleOptions { OutputName = features });
        ModelProto written = module.ToOnnx();
        Assert.Equal(features, Assert.Single(written.Graph.Output).Name);
        Assert.DoesNotContain(written.Graph.Node, n => n.OpType == "Gemm");
        Assert.DoesNotContain(written.Graph.Initializer, t => t.Name.StartsWith("classifier"));
    }

    [SharedFact("models/architectures/resnet18.onnx")]
    public void Same_seed_gives_bit_identical_parameters()
    {
        ModelProto model = ModuleFixtures.Architecture("resnet18");
        using var first = OnnxModule.FromModel(model);
        using var second = OnnxModule.FromModel(model);
        first.ReinitializeParameters(42);
        second.ReinitializeParameters(42);
        var a = first.parameters().Select(ModuleFixtures.ToArray).ToList();
        var b = second.parameters().Select(ModuleFixtures.ToArray).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);

        second.ReinitializeParameters(43);
        Assert.Contains(first.parameters().Zip(second.parameters()),
            pair => !ModuleFixtures.ToArray(pair.First).SequenceEqual(ModuleFixtures.ToArray(pair.Second)));
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Reinitialisation_follows_the_layer_roles()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        module.ReinitializeParameters(1);
        Assert.All(ModuleFixtures.ToArray(module.ParameterOf("classifier.1.bias")), v => Assert.Equal(0f, v));
        float[] weight = ModuleFixtures.ToArray(module.ParameterOf("classifier.1.weight"));
        double std = Math.Sqrt(weight.Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.9 * Math.Sqrt(2.0 / 2280), 1.1 * Math.Sqrt(2.0 / 2280));
    }

    private static float[] InitializerValues(ModelProto model, string name) =>
        ML.Onnx.TensorData.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == name));
}
