using TransferLearning.ML.Data;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Checkpoints and resumption through the public API: a run cancelled after epoch k and fitted again with the same
/// settings and checkpoint folder gives the history and weights of a run that was never interrupted — in the head
/// phase, at the phase boundary, and inside the fine-tuning phase (one-cycle schedule, augmentation and dropout on,
/// so the schedule position, the per-epoch seeds and the optimiser state all have to be restored).
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ResumeTests : IDisposable
{
    /// <summary>
    /// Both runs are in this process on one torch thread and one loader worker, and a resumed run reads back the
    /// exact bytes of the weights and optimiser state, so they should agree bit for bit; 1e-6 only allows for float
    /// rounding. Losing state would show far above it: a reset Adam step count or moment changes the next update by
    /// a sizeable fraction of the learning rate (1e-2 here), moving losses by ≳ 1e-4.
    /// </summary>
    private const double Tolerance = 1e-6;

    private readonly TempFolder _work = new();

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_work.Path, name)).FullName;

    private TransferLearner Learner() => LoopFixtures.Learner(LoopFixtures.Backbone(_work))
        .Augment(Augmentations.Standard)
        .FineTune(new FineTuneOptions
        {
            HeadEpochs = 2, Epochs = 3, UnfreezeLastBlocks = 2, LearningRate = 1e-2, FineTuneLearningRate = 1e-2, BatchSize = 8,
        });

    private static void SameRun(TrainingResult expected, TrainingResult actual, string what)
    {
        Assert.Equal(expected.History.Count, actual.History.Count);
        for (int i = 0; i < expected.History.Count; i++)
        {
            EpochMetrics e = expected.History[i], a = actual.History[i];
            Assert.Equal(e.Epoch, a.Epoch);
            Assert.Equal(e.Phase, a.Phase);
            foreach (var (name, x, y) in new[]
                     {
                         ("train loss", e.TrainLoss, a.TrainLoss), ("train accuracy", e.TrainAccuracy, a.TrainAccuracy),
                         ("validation loss", e.ValidationLoss, a.ValidationLoss), ("learning rate", e.LearningRate, a.LearningRate),
                     })
                Assert.True(Math.Abs(x - y) <= Tolerance, $"{what}, epoch {e.Epoch} {name}: {x} uninterrupted, {y} resumed");
        }
        Assert.Equal(expected.BestEpoch, actual.BestEpoch);
        var w = LoopFixtures.Initializers(expected.Model.ToOnnxBytes());
        var v = LoopFixtures.Initializers(actual.Model.ToOnnxBytes());
        Assert.Equal(w.Keys.Order(), v.Keys.Order());
        foreach (var (name, values) in w)
        {
            double worst = values.Zip(v[name], (x, y) => Math.Abs((double)x - y)).Max();
            Assert.True(worst <= Tolerance, $"{what}: weight {name} differs by {worst}");
        }
    }

    [Fact]
    public void A_run_cancelled_after_any_epoch_resumes_to_the_uninterrupted_result()
    {
        var reference = Learner().Fit();
        Assert.Equal(5, reference.History.Count);

        foreach (int k in new[] { 1, 2, 4 }) // inside the head phase, at its end, inside the fine-tuning phase
        {
            string checkpoints = Folder($"checkpoints-{k}");
            using var cancel = new CancellationTokenSource();
            var progress = new InlineProgress<TrainingProgress>(p => { if (p.EpochResult?.Epoch == k) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => Learner().WithCheckpoints(checkpoints).Fit(progress, cancel.Token));

            var epochs = new List<int>();
            var resumed = Learner().WithCheckpoints(checkpoints)
                .Fit(new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is { } r) epochs.Add(r.Epoch); }));

            Assert.Equal(Enumerable.Range(k + 1, 5 - k), epochs); // only the epochs after the checkpoint were trained
            SameRun(reference, resumed, $"cancelled after epoch {k}");
        }
    }

    [Fact]
    public void Fitting_again_after_a_finished_run_trains_nothing_and_returns_the_same_model()
    {
        string checkpoints = Folder("checkpoints");
        var first = Learner().WithCheckpoints(checkpoints).Fit();
        int trained = 0;
        var again = Learner().WithCheckpoints(checkpoints).Fit(new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is not null) trained++; }));

        Assert.Equal(0, trained);
        SameRun(first, again, "fitted again");
    }

    [Fact]
    public void A_checkpoint_of_other_settings_is_refused_naming_the_way_out()
    {
        string checkpoints = Folder("checkpoints");
        Learner().WithCheckpoints(checkpoints).Fit();
        var e = Assert.Throws<InvalidDataException>(() => Learner().WithSeed(7).WithCheckpoints(checkpoints).Fit());
        Assert.Contains("another checkpoint folder", e.Message);
    }

    public void Dispose() => _work.Dispose();
}
