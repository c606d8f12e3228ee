using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Freezing all but the last blocks trains exactly those blocks, and builds no autograd graph for the rest.</summary>
public sealed class FreezingTests
{
    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void An_optimiser_step_changes_only_unfrozen_blocks()
    {
        ModelProto model = ModuleFixtures.MobileNetV2();
        using var backbone = OnnxModule.FromModel(model, new OnnxModuleOptions { OutputName = ModuleFixtures.FeatureTensor(model) });
        backbone.FreezeAllButLastBlocks(3);
        var frozen = backbone.Blocks.Take(backbone.Blocks.Count - 3).SelectMany(b => b.ParameterNames).ToList();
        var unfrozen = backbone.Blocks.Skip(backbone.Blocks.Count - 3).SelectMany(b => b.ParameterNames).ToList();
        var before = frozen.Concat(unfrozen).ToDictionary(n => n, n => ModuleFixtures.ToArray(backbone.ParameterOf(n)));

        using var head = nn.Linear(1280, 2);
        var trainable = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToList();
        using var optimizer = optim.Adam(trainable, lr: 1e-3);
        backbone.train();
        using (var scope = NewDisposeScope())
        {
            Tensor features = backbone.forward(torch.randn(2, 3, 96, 96, generator: new Generator(3))).flatten(1);
            Tensor loss = nn.functional.cross_entropy(head.forward(features), torch.tensor(new long[] { 0, 1 }));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        Assert.All(frozen, n => Assert.Equal(before[n], ModuleFixtures.ToArray(backbone.ParameterOf(n))));
        Assert.Contains(unfrozen, n => !before[n].SequenceEqual(ModuleFixtures.ToArray(backbone.ParameterOf(n))));
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Frozen_blocks_run_without_autograd()
    {
        using var backbone = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        backbone.FreezeAllButLastBlocks(2);
        ModuleBlock lastFrozen = backbone.Blocks[^3];
        ModuleBlock firstTrainable = backbone.Blocks[^2];
        backbone.train();
        using var scope = NewDisposeScope();
        Tensor output = backbone.Forward(torch.randn(1, 3, 64, 64, generator: new Generator(5)),
            [lastFrozen.OutputName, firstTrainable.OutputName], out var extras);
        Assert.False(extras[lastFrozen.OutputName].requires_grad);
        Assert.True(extras[firstTrainable.OutputName].requires_grad);
        Assert.True(output.requires_grad);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Frozen_parameters_do_not_require_grad_and_per_block_lists_follow()
    {
        using var backbone = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        backbone.FreezeAllButLastBlocks(1);
        Assert.Empty(backbone.TrainableParameters(0));
        Assert.NotEmpty(backbone.TrainableParameters(backbone.Blocks.Count - 1));
        Assert.All(backbone.Blocks[0].ParameterNames, n => Assert.False(backbone.ParameterOf(n).requires_grad));

        backbone.FreezeAllButLastBlocks(backbone.Blocks.Count);
        Assert.All(backbone.parameters(), p => Assert.True(p.requires_grad));
        backbone.FreezeAllButLastBlocks(0);
        Assert.All(backbone.parameters(), p => Assert.False(p.requires_grad));
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Freezing_more_blocks_than_exist_names_the_valid_range()
    {
        using var backbone = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => backbone.FreezeAllButLastBlocks(backbone.Blocks.Count + 1));
        Assert.Contains($"from 0 to {backbone.Blocks.Count}", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => backbone.FreezeAllButLastBlocks(-1));
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Gradient_leaves_give_activation_gradients_through_a_frozen_backbone()
    {
        using var backbone = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        backbone.FreezeAllButLastBlocks(0);
        backbone.eval();
        string activation = backbone.Blocks[^3].OutputName;
        using var scope = NewDisposeScope();
        Tensor logits = backbone.Forward(torch.randn(1, 3, 64, 64, generator: new Generator(9)), [activation], out var extras,
            extrasAsGradientLeaves: true);
        logits[0, 285].backward();
        Assert.NotNull(extras[activation].grad);
        Assert.True(extras[activation].grad!.abs().sum().item<float>() > 0);
    }
}
