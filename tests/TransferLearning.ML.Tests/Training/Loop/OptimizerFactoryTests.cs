using TorchSharp;
using TorchSharp.Modules;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Tests.Onnx.Module;
using TransferLearning.ML.Training.Optimization;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// <see cref="OptimizerFactory"/>: one optimiser group per non-empty <see cref="ParameterGroup"/>, each with its base
/// rate and weight decay; the schedule's factor scales every group alike; decay is decoupled for AdamW and L2 for
/// Adam. What the tiny backbone offers to train: only weights and biases (issue 17, item 2).
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class OptimizerFactoryTests
{
    private static Parameter P(params float[] values) => new(torch.tensor(values), requires_grad: true);

    private static float[] Values(Tensor t) => ModuleFixtures.ToArray(t);

    [Theory]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Every_non_empty_group_gets_its_base_rate_and_the_schedule_scales_them_alike(OptimizerKind kind)
    {
        var groups = new List<ParameterGroup>
        {
            new("block 0", [P(1, 2)], 1e-4, 0.01),
            new("block 1 (frozen)", [], 5e-4, 0.01),
            new("block 2", [P(3)], 1e-3, 0.02),
            new("head", [P(4, 5, 6)], 2e-3, 0),
        };
        using var optimizer = OptimizerFactory.Create(kind, groups);
        var created = optimizer.ParamGroups.ToList();
        Assert.Equal([1e-4, 1e-3, 2e-3], created.Select(g => g.LearningRate).ToArray());
        Assert.Equal([2L, 1L, 3L], created.Select(g => ((ParamGroup)g).Parameters.Sum(p => p.numel())).ToArray());

        OptimizerFactory.SetLearningRates(optimizer, groups, 0.25);
        // the empty group is skipped, so each optimiser group still maps to its own base rate
        Assert.Equal([0.25e-4, 0.25e-3, 0.5e-3], optimizer.ParamGroups.Select(g => g.LearningRate).ToArray());
    }

    [Fact]
    public void Nothing_to_train_is_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OptimizerFactory.Create(OptimizerKind.AdamW, [new("head", [], 1e-3, 0)]));
        Assert.Contains("frozen", e.Message);
    }

    /// <summary>
    /// With a zero gradient Adam's moment terms are zero, so one AdamW step only applies the decoupled decay:
    /// w ← w·(1 − lr·wd) in the group that has decay, nothing in the group without.
    /// </summary>
    [Fact]
    public void AdamW_decays_each_group_by_its_own_weight_decay()
    {
        Parameter decayed = P(1, -2, 4), plain = P(1, -2, 4);
        var groups = new List<ParameterGroup> { new("a", [decayed], 0.1, 0.5), new("b", [plain], 0.1, 0) };
        using var optimizer = OptimizerFactory.Create(OptimizerKind.AdamW, groups);
        optimizer.zero_grad();
        foreach (var p in new[] { decayed, plain }) p.grad = torch.zeros(3);
        optimizer.step();
        float f = (float)(1 - 0.1 * 0.5);
        Assert.Equal([1 * f, -2 * f, 4 * f], Values(decayed));
        Assert.Equal([1f, -2f, 4f], Values(plain));
    }

    /// <summary>
    /// Adam's weight decay is L2 in the gradient (g + wd·w): from a zero loss gradient the first step moves each
    /// weight by lr against its sign (Adam's first step is lr·ĝ/|ĝ|), in the decayed group only.
    /// </summary>
    [Fact]
    public void Adam_applies_weight_decay_as_an_l2_gradient()
    {
        Parameter decayed = P(1, -2), plain = P(1, -2);
        using var optimizer = OptimizerFactory.Create(OptimizerKind.Adam, [new("a", [decayed], 0.1, 0.5), new("b", [plain], 0.1, 0)]);
        optimizer.zero_grad();
        foreach (var p in new[] { decayed, plain }) p.grad = torch.zeros(2);
        optimizer.step();
        float[] moved = Values(decayed);
        Assert.Equal(0.9f, moved[0], 1e-5f);
        Assert.Equal(-1.9f, moved[1], 1e-5f);
        Assert.Equal([1f, -2f], Values(plain));
    }

    /// <summary>The fixture the fine-tuning tests train: three blocks, each one convolution and one batch norm.</summary>
    [Fact]
    public void The_tiny_backbone_has_three_blocks_whose_trainable_parameters_are_only_weights_and_biases()
    {
        using var module = OnnxModule.FromModel(LoopFixtures.BackboneModel());
        Assert.Equal(3, module.Blocks.Count);
        for (int b = 0; b < 3; b++)
            Assert.Equal(new[] { $"conv{b}.w", $"conv{b}.b", $"bn{b}.scale", $"bn{b}.bias" }.Order(), module.Blocks[b].ParameterNames.Order());
        // the input constant and the running statistics are not parameters: no optimiser (and no decay) reaches them
        var parameters = module.OnnxNames.Values.ToHashSet();
        Assert.All(LoopFixtures.Constants, c => Assert.DoesNotContain(c, parameters));
        Assert.Equal(12, module.parameters().Count());
    }
}
