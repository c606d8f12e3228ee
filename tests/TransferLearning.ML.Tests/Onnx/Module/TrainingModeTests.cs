using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>train()/eval() switch Dropout and, when asked, batch-normalisation statistics.</summary>
public sealed class TrainingModeTests
{
    private static ModelProto ConvBatchNorm() => new TinyGraph([2, 3, 8, 8])
        .Weight("w", [4, 3, 3, 3], 1).Weight("g", [4], 2, offset: 1f).Weight("b", [4], 3).Weight("m", [4], 4).Weight("v", [4], 5, offset: 2f)
        .Node("Conv", ["x", "w"], "c", ("pads", new long[] { 1, 1, 1, 1 }))
        .Node("BatchNormalization", ["c", "g", "b", "m", "v"], "y").Model;

    [Fact]
    public void Batch_norm_keeps_running_statistics_while_training_by_default()
    {
        using var module = OnnxModule.FromModel(ConvBatchNorm());
        float[] before = ModuleFixtures.ToArray(RunningMean(module));
        module.train();
        using (NewDisposeScope()) module.forward(torch.randn(4, 3, 8, 8, generator: new Generator(1)));
        Assert.Equal(before, ModuleFixtures.ToArray(RunningMean(module)));
    }

    [Fact]
    public void Batch_norm_updates_running_statistics_when_asked()
    {
        using var module = OnnxModule.FromModel(ConvBatchNorm(), new OnnxModuleOptions { TrainBatchNormStatistics = true });
        float[] before = ModuleFixtures.ToArray(RunningMean(module));
        module.train();
        using (NewDisposeScope()) module.forward(torch.randn(4, 3, 8, 8, generator: new Generator(1)));
        Assert.NotEqual(before, ModuleFixtures.ToArray(RunningMean(module)));

        float[] afterTraining = ModuleFixtures.ToArray(RunningMean(module));
        module.eval();
        using (NewDisposeScope()) module.forward(torch.randn(4, 3, 8, 8, generator: new Generator(2)));
        Assert.Equal(afterTraining, ModuleFixtures.ToArray(RunningMean(module)));
    }

    [Fact]
    public void Dropout_drops_only_in_training_mode()
    {
        ModelProto model = new TinyGraph([2, 100]).Node("Relu", ["x"], "r").Node("Dropout", ["r"], "y", ("ratio", 0.5f)).Model;
        model.OpsetImport[0].Version = 10;
        using var module = OnnxModule.FromModel(model);
        using var scope = NewDisposeScope();
        Tensor input = torch.rand(2, 100, generator: new Generator(3)).add(0.1);
        module.eval();
        Assert.Equal(ModuleFixtures.ToArray(input), ModuleFixtures.ToArray(module.forward(input)));
        module.train();
        Assert.True(module.forward(input).eq(0).sum().item<long>() > 0);
    }

    [Fact]
    public void Converting_the_module_to_double_keeps_the_graph_working()
    {
        ModelProto model = new TinyGraph([2, 3, 8, 8]).Ints("shape", 0, -1)
            .Weight("w", [4, 3, 3, 3], 1).Weight("g", [4], 2, offset: 1f).Weight("b", [4], 3).Weight("m", [4], 4).Weight("v", [4], 5, offset: 2f)
            .Node("Conv", ["x", "w"], "c").Node("BatchNormalization", ["c", "g", "b", "m", "v"], "n")
            .Node("Reshape", ["n", "shape"], "y").Model;
        using var module = OnnxModule.FromModel(model);
        module.eval();
        using var scope = NewDisposeScope();
        Tensor input = torch.randn(2, 3, 8, 8, generator: new Generator(6));
        float[] single = ModuleFixtures.ToArray(module.forward(input));
        module.to(ScalarType.Float64);
        Tensor output = module.forward(input.to_type(ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, output.dtype);
        float[] converted = ModuleFixtures.ToArray(output.to_type(ScalarType.Float32));
        Assert.True(OnnxRuntimeReference.RelativeError(converted, single) <= 1e-5);
    }

    private static Tensor RunningMean(OnnxModule module) =>
        module.named_buffers().Single(b => b.name == "m").buffer;
}
