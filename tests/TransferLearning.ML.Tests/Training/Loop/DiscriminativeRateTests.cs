using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Discriminative rates, seen in the trained weights: one fine-tuning epoch of exactly one AdamW step (all 24
/// training images in one batch, constant schedule, no weight decay). Adam's first step moves every weight by
/// lr·g/(|g| + 1e-8), i.e. by its group's rate wherever the gradient is not vanishing, so the median |Δw| of each
/// backbone tensor is that block's rate. Frozen blocks, the input constant and the running statistics do not move.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class DiscriminativeRateTests : IDisposable
{
    private const double Rate = 1e-2;
    private readonly TempFolder _work = new();

    /// <summary>
    /// Expected per-block rates (fastai's slice(lr/factor, lr): geometric from the first unfrozen block to the last);
    /// 0 for a frozen block.
    /// </summary>
    [Theory]
    [InlineData(3, 100.0, new[] { Rate / 100, Rate / 10, Rate })]
    [InlineData(2, 10.0, new[] { 0, Rate / 10, Rate })]
    [InlineData(1, 10.0, new[] { 0, 0, Rate })]
    public void Each_unfrozen_block_moves_by_its_own_rate_and_frozen_blocks_not_at_all(int unfreeze, double factor, double[] expected)
    {
        var before = LoopFixtures.Initializers(LoopFixtures.BackboneModel());
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(new FineTuneOptions
        {
            HeadEpochs = 0, Epochs = 1, UnfreezeLastBlocks = unfreeze, FineTuneLearningRate = Rate, DiscriminativeFactor = factor,
            BatchSize = 32, WeightDecay = 0, Schedule = LearningRateSchedule.Constant,
        }).Fit();
        var after = LoopFixtures.Initializers(result.Model.ToOnnxBytes());

        Assert.Equal(Rate, Assert.Single(result.History).LearningRate); // the head's group, at the head's rate
        for (int b = 0; b < 3; b++)
            foreach (string name in new[] { $"conv{b}.w", $"conv{b}.b", $"bn{b}.scale", $"bn{b}.bias" })
            {
                var delta = before[name].Zip(after[name], (x, y) => Math.Abs((double)x - y)).ToArray();
                if (expected[b] == 0)
                {
                    Assert.True(delta.All(d => d == 0), $"{name} (frozen) moved by up to {delta.Max()}");
                    continue;
                }
                // 10 %: the step is lr·|g|/(|g| + 1e-8) ≥ 0.99·lr for |g| ≥ 1e-6, and rounding w − Δ in float32
                // costs ≤ 1e-3 relative at lr/100 and |w| < 2; the median ignores dead units (g = 0)
                double ratio = LoopFixtures.Median(delta) / expected[b];
                Assert.True(ratio is > 0.9 and < 1.1, $"{name}: median |Δw| = {LoopFixtures.Median(delta):G4}, expected {expected[b]:G4}");
            }
        foreach (string constant in LoopFixtures.Constants)
            Assert.Equal(before[constant], after[constant]);
    }

    /// <summary>
    /// A phase of one optimiser step under the default one-cycle schedule (a training split no larger than the batch
    /// with HeadEpochs = 1, the default, is such a phase). It used to run at the cycle's end factor 1/(25·10⁴)
    /// (measured: max |Δw| 4.5e-8 at lr 1e-2), so the phase trained nothing. Expected: the step moves weights by a
    /// rate of the order of lr (≥ lr/25, the one-cycle start).
    /// </summary>
    [Fact]
    public void A_phase_of_a_single_step_trains_under_the_default_schedule()
    {
        var before = LoopFixtures.Initializers(LoopFixtures.BackboneModel());
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(new FineTuneOptions
        {
            HeadEpochs = 0, Epochs = 1, UnfreezeLastBlocks = 3, FineTuneLearningRate = Rate, BatchSize = 32, WeightDecay = 0,
        }).Fit();
        var after = LoopFixtures.Initializers(result.Model.ToOnnxBytes());

        Assert.True(result.History[0].LearningRate >= Rate / 25, $"rate of the only step: {result.History[0].LearningRate:G3}");
        double moved = LoopFixtures.Median(before["conv2.w"].Zip(after["conv2.w"], (x, y) => Math.Abs((double)x - y)));
        Assert.True(moved >= 0.9 * Rate / 25, $"median |Δw| of conv2.w: {moved:G3}");
    }

    public void Dispose() => _work.Dispose();
}
