using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Patience, best-epoch selection and the restore of the best weights, through the public API on the tiny backbone.
/// A MinDelta far above any loss makes "no improvement after the first epoch" certain whatever the numbers, so the
/// epochs at which runs stop are known in advance. Whether the model carries the best epoch's weights is read from
/// its own predictions: the final validation log-loss (the exported ONNX model in ONNX Runtime) must equal the
/// validation loss the trainer recorded (TorchSharp) for the epoch whose weights it claims to keep.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class EarlyStoppingTests : IDisposable
{
    /// <summary>
    /// ONNX Runtime and TorchSharp compute the same float32 graph with different kernels (which differ between
    /// AVX2 and AVX-512 machines); over 12 validation images their log-losses agreed to 5e-9 on this fixture, while
    /// distinct epochs differ by ~0.1 (0.57, 0.33, 0.11 for epochs 1–3). 1e-4 leaves room for other kernels.
    /// </summary>
    private const double SameModel = 1e-4;

    private readonly TempFolder _work = new();

    private TrainingResult FineTune(int headEpochs, int epochs, EarlyStoppingOptions stopping, LearningRateSchedule? schedule = null) =>
        LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(new FineTuneOptions
        {
            HeadEpochs = headEpochs, Epochs = epochs, UnfreezeLastBlocks = 3, LearningRate = 1e-2, FineTuneLearningRate = 1e-2,
            BatchSize = 8, EarlyStopping = stopping, Schedule = schedule ?? LearningRateSchedule.Constant,
        }).Fit();

    private static readonly EarlyStoppingOptions NeverImproves = new() { Patience = 2, MinDelta = 1e9 };

    [Fact]
    public void A_run_stops_after_patience_epochs_without_improvement_and_keeps_the_best_epoch()
    {
        var result = FineTune(0, 10, NeverImproves);

        // epoch 1 is the first value (always an improvement); epochs 2 and 3 are not: patience 2 stops after epoch 3
        Assert.Equal([1, 2, 3], result.History.Select(e => e.Epoch).ToArray());
        Assert.True(result.StoppedEarly);
        Assert.Equal(1, result.BestEpoch);
        var phase = Assert.Single(result.Phases);
        Assert.Equal(new PhaseSummary("finetune", 10, 3), phase);
        Assert.True(phase.StoppedEarly);

        // the model is epoch 1's, not the last epoch's
        double best = result.History[0].ValidationLoss, last = result.History[2].ValidationLoss;
        Assert.True(Math.Abs(best - last) > 10 * SameModel, $"epochs 1 and 3 must be distinguishable ({best} vs {last})");
        Assert.Equal(best, result.ValidationMetrics!.LogLoss, SameModel);
    }

    [Fact]
    public void Without_restore_the_model_keeps_the_last_epoch()
    {
        var result = FineTune(0, 10, NeverImproves with { RestoreBestWeights = false });

        Assert.Equal(3, result.History.Count);
        Assert.Equal(1, result.BestEpoch); // still reported, but not restored
        Assert.Equal(result.History[2].ValidationLoss, result.ValidationMetrics!.LogLoss, SameModel);
        Assert.True(Math.Abs(result.History[0].ValidationLoss - result.ValidationMetrics.LogLoss) > 10 * SameModel);
    }

    /// <summary>
    /// With real improvements (MinDelta 0) the best epoch is the first minimum of the recorded validation losses,
    /// the run stops exactly when the documented rule says so (replayed here on the recorded history), and the
    /// model's validation loss is that minimum.
    /// </summary>
    [Fact]
    public void The_best_epoch_is_the_first_minimum_of_validation_loss_and_stopping_follows_the_rule()
    {
        const int patience = 2;
        var result = FineTune(0, 8, new EarlyStoppingOptions { Patience = patience });

        var losses = result.History.Select(e => e.ValidationLoss).ToArray();
        int expectedBest = 0, without = 0, stopAfter = 0;
        double best = double.NaN;
        for (int i = 0; i < losses.Length; i++)
        {
            if (double.IsNaN(best) || losses[i] < best) { best = losses[i]; expectedBest = i + 1; without = 0; }
            else if (++without >= patience) { stopAfter = i + 1; break; }
        }
        Assert.Equal(stopAfter == 0 ? 8 : stopAfter, losses.Length);
        Assert.Equal(stopAfter != 0, result.StoppedEarly);
        Assert.Equal(expectedBest, result.BestEpoch);
        Assert.Equal(losses.Min(), result.ValidationMetrics!.LogLoss, SameModel);
    }

    /// <summary>
    /// Each phase has its own patience (issue 17, item 3): the head phase stops after two epochs, and the
    /// fine-tuning phase still runs (the best value carries over, so with patience 1 it stops after its first epoch).
    /// The model keeps epoch 1, from the head phase, and the result says what ran.
    /// </summary>
    [Fact]
    public void Early_stopping_in_the_head_phase_does_not_skip_fine_tuning()
    {
        var result = FineTune(4, 4, new EarlyStoppingOptions { Patience = 1, MinDelta = 1e9 });

        Assert.Equal(["head", "head", "finetune"], result.History.Select(e => e.Phase).ToArray());
        Assert.Equal([new PhaseSummary("head", 4, 2), new PhaseSummary("finetune", 4, 1)], result.Phases);
        Assert.True(result.StoppedEarly);
        Assert.Equal(1, result.BestEpoch);
        Assert.Equal(result.History[0].ValidationLoss, result.ValidationMetrics!.LogLoss, SameModel);
    }

    [Fact]
    public void Without_patience_every_planned_epoch_of_every_phase_runs()
    {
        var result = FineTune(2, 3, new EarlyStoppingOptions { MinDelta = 1e9 });

        Assert.Equal([1, 2, 3, 4, 5], result.History.Select(e => e.Epoch).ToArray());
        Assert.Equal([new PhaseSummary("head", 2, 2), new PhaseSummary("finetune", 3, 3)], result.Phases);
        Assert.False(result.StoppedEarly);
    }

    /// <summary>
    /// Reduce-on-plateau: the trainer multiplies the rate by the factor each time the monitored value has gone
    /// <c>Patience</c> epochs without improving. With no improvement after epoch 1 the recorded rates (the head
    /// group's, at the end of each epoch) are lr, lr, lr/2, lr/4, … for patience 1 and lr, lr, lr, lr/2, lr/2, lr/4 for 2.
    /// </summary>
    [Theory]
    [InlineData(1, new[] { 1.0, 1.0, 0.5, 0.25, 0.125, 0.0625 })]
    [InlineData(2, new[] { 1.0, 1.0, 1.0, 0.5, 0.5, 0.25 })]
    public void Reduce_on_plateau_halves_the_rate_after_each_plateau(int patience, double[] factors)
    {
        var result = FineTune(0, 6, new EarlyStoppingOptions { MinDelta = 1e9 }, LearningRateSchedule.ReduceOnPlateau(0.5, patience));

        var rates = result.History.Select(e => e.LearningRate).ToArray();
        Assert.Equal(factors.Length, rates.Length);
        for (int i = 0; i < rates.Length; i++) Assert.Equal(1e-2 * factors[i], rates[i], 1e-15);
    }

    public void Dispose() => _work.Dispose();
}
