using TorchSharp;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Only weights and biases of parameterised layers train; constants inside the graph stay constants (issue #17).</summary>
public sealed class ConstantInitializerTests
{
    private static ModelProto ConvScaleShift() =>
        new TinyGraph([1, 2, 5, 5])
            .Weight("conv.weight", [3, 2, 3, 3], seed: 1)
            .Weight("conv.bias", [3], seed: 2)
            .Scalar("scale", 0.5f)
            .Weight("shift", [1, 3, 1, 1], seed: 3, offset: 2f)
            .Node("Conv", ["x", "conv.weight", "conv.bias"], "c", ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Mul", ["c", "scale"], "m")
            .Node("Add", ["m", "shift"], "y")
            .Model;

    [Fact]
    public void Scalar_and_per_channel_constants_are_not_parameters_and_survive_a_step_unchanged()
    {
        ModelProto model = ConvScaleShift();
        using var module = OnnxModule.FromModel(model);
        Assert.Equal(["conv_bias", "conv_weight"], module.named_parameters().Select(p => p.name).Order().ToArray());

        module.train();
        using (var scope = NewDisposeScope())
        {
            using var optimizer = optim.AdamW(module.parameters(), 0.1, weight_decay: 0.5);
            Tensor loss = module.forward(torch.randn(2, 2, 5, 5, generator: new Generator(7))).pow(2).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        float[] shift = TensorData.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "shift"));
        var buffers = module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Assert.Equal([0.5f], ModuleFixtures.ToArray(buffers["scale"]));
        Assert.Equal(shift, ModuleFixtures.ToArray(buffers["shift"]));
        Assert.False(ModuleFixtures.ToArray(module.ParameterOf("conv.weight"))
            .SequenceEqual(TensorData.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "conv.weight"))));

        ModelProto written = module.ToOnnx();
        Assert.Equal([0.5f], TensorData.ToFloatArray(written.Graph.Initializer.Single(t => t.Name == "scale")));
        Assert.Equal(shift, TensorData.ToFloatArray(written.Graph.Initializer.Single(t => t.Name == "shift")));
    }

    [Fact]
    public void A_weight_behind_an_identity_and_a_matmul_bias_still_train()
    {
        ModelProto model = new TinyGraph([1, 4])
            .Weight("w", [4, 3], seed: 1)
            .Weight("b", [3], seed: 2)
            .Node("Identity", ["w"], "w_shared")
            .Node("MatMul", ["x", "w_shared"], "h")
            .Node("Add", ["h", "b"], "y")
            .Model;
        using var module = OnnxModule.FromModel(model);
        Assert.Equal(["b", "w"], module.named_parameters().Select(p => p.name).Order().ToArray());
    }
}
