using TorchSharp.Modules;
using TransferLearning.ML.Data;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Weight averaging (<see cref="FineTuneOptions.EmaHalfLifeEpochs"/>): the average's arithmetic, that it changes
/// the model that is validated and kept but not the trajectory the optimiser follows within a phase, and that a run
/// resumed from a checkpoint continues the average it had.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class WeightAveragingTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(double? ema) => new()
    {
        HeadEpochs = 2, Epochs = 2, UnfreezeLastBlocks = 2, LearningRate = 1e-2, FineTuneLearningRate = 1e-2, BatchSize = 8,
        EmaHalfLifeEpochs = ema,
    };

    [Fact]
    public void The_average_warms_up_decays_by_its_half_life_and_swaps_in_and_back()
    {
        using var parameter = new Parameter(tensor(new float[] { 1, 2 }));
        using var average = WeightAverage.For(new FineTuneOptions { EmaHalfLifeEpochs = 1 }, [parameter], stepsPerEpoch: 4)!;
        Assert.Equal(0.5, Math.Pow(WeightAverage.DecayFor(1, 4), 4), 12);   // one epoch of 4 steps halves an old weight's share

        using (no_grad()) parameter.copy_(tensor(new float[] { 3, 4 }));
        average.Update();   // first update: decay min(0.84, 1/10) = 0.1 → 0.1·[1,2] + 0.9·[3,4]
        using (no_grad()) parameter.copy_(tensor(new float[] { 5, 6 }));
        average.Update();   // second: decay min(0.84, 2/11) → (2/11)·[2.8,3.8] + (9/11)·[5,6]
        double d = 2.0 / 11;
        float[] expected = [(float)(d * 2.8 + (1 - d) * 5), (float)(d * 3.8 + (1 - d) * 6)];

        using (average.SwappedIn())
            Assert.Equal(expected, parameter.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(new float[] { 5, 6 }, parameter.data<float>().ToArray());   // the trained values again

        // a checkpoint's copy continues where it was
        using var stream = new MemoryStream();
        average.Write(stream);
        using var other = new Parameter(tensor(new float[] { 5, 6 }));
        using var restored = WeightAverage.For(new FineTuneOptions { EmaHalfLifeEpochs = 1 }, [other], stepsPerEpoch: 4)!;
        stream.Position = 0;
        restored.Read(stream);
        Assert.Equal(2, restored.Updates);
        restored.CopyIntoNetwork();
        Assert.Equal(expected, other.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Averaging_changes_the_validated_model_not_the_steps_of_the_phase()
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).Augment(Augmentations.Light);
        var plain = learner.FineTune(Options(null)).Fit();
        var averaged = learner.FineTune(Options(0.5)).Fit();

        // the head phase (epochs 1-2) trains the same weights step for step: the same training losses
        for (int i = 0; i < 2; i++)
            Assert.True(Math.Abs(plain.History[i].TrainLoss - averaged.History[i].TrainLoss) <= 1e-6,
                $"epoch {i + 1}: training loss {plain.History[i].TrainLoss:G9} plain, {averaged.History[i].TrainLoss:G9} averaged");
        // but validates the average, and the next phase starts from it
        Assert.True(Math.Abs(plain.History[1].ValidationLoss - averaged.History[1].ValidationLoss) > 1e-4,
            $"epoch 2: validation loss {plain.History[1].ValidationLoss:G9} plain, {averaged.History[1].ValidationLoss:G9} averaged");
        Assert.NotEqual(plain.History[2].TrainLoss, averaged.History[2].TrainLoss);
    }

    [Fact]
    public void A_run_with_averaging_cancelled_at_or_inside_a_phase_resumes_to_the_uninterrupted_result()
    {
        TransferLearner Learner() => LoopFixtures.Learner(LoopFixtures.Backbone(_work)).Augment(Augmentations.Light).FineTune(Options(0.5));
        var reference = Learner().Fit();
        foreach (int k in new[] { 2, 3 }) // the end of the head phase, inside the fine-tuning phase
        {
            string checkpoints = Directory.CreateDirectory(Path.Combine(_work.Path, $"checkpoints-{k}")).FullName;
            using var cancel = new CancellationTokenSource();
            var progress = new InlineProgress<TrainingProgress>(p => { if (p.EpochResult?.Epoch == k) cancel.Cancel(); });
            Assert.ThrowsAny<OperationCanceledException>(() => Learner().WithCheckpoints(checkpoints).Fit(progress, cancel.Token));
            var resumed = Learner().WithCheckpoints(checkpoints).Fit();

            Assert.Equal(reference.History.Count, resumed.History.Count);
            for (int i = 0; i < reference.History.Count; i++)
                Assert.True(Math.Abs(reference.History[i].ValidationLoss - resumed.History[i].ValidationLoss) <= 1e-6,
                    $"cancelled after epoch {k}, epoch {i + 1}: validation loss {reference.History[i].ValidationLoss:G9} uninterrupted, {resumed.History[i].ValidationLoss:G9} resumed");
            var w = LoopFixtures.Initializers(reference.Model.ToOnnxBytes());
            var v = LoopFixtures.Initializers(resumed.Model.ToOnnxBytes());
            foreach (var (name, values) in w)
                Assert.True(values.Zip(v[name], (x, y) => Math.Abs((double)x - y)).Max() <= 1e-6, $"cancelled after epoch {k}: weight {name} differs");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_half_life_that_is_not_a_positive_number_is_refused(double halfLife)
    {
        var error = Assert.Throws<ArgumentException>(() => LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(Options(halfLife)).Fit());
        Assert.Contains("EmaHalfLifeEpochs must be a positive number", error.Message);
    }

    public void Dispose() => _work.Dispose();
}
