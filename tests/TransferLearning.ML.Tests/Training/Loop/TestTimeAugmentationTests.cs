using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// <see cref="TransferLearner.WithTestTimeAugmentation"/>: the final evaluation scores the averaged views, exactly as
/// <see cref="ModelEvaluator"/> with the same views and seed scores the saved model, and training is unchanged.
/// </summary>
public sealed class TestTimeAugmentationTests : IDisposable
{
    private readonly TempFolder _work = new();

    [Fact]
    public void The_final_metrics_are_those_of_the_averaged_views_and_training_is_unchanged()
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 1 });
        var plain = learner.Fit();
        var averaged = learner.WithTestTimeAugmentation(3, Augmentations.Light).Fit();
        using var plainModel = plain.Model;
        using var model = averaged.Model;

        // the same training: the same history
        Assert.Equal(plain.History.Select(e => e.ValidationLoss), averaged.History.Select(e => e.ValidationLoss));
        // the final validation scores are the averaged views, as the evaluator computes them for the saved model
        var validation = averaged.Splits.Validation;
        var evaluated = ModelEvaluator.Evaluate(model, validation, new EvaluationOptions
        {
            TtaViews = 3, Augmentation = Augmentations.Light, Seed = 42, BootstrapSamples = 0, Threshold = model.DecisionThreshold,
        });
        Assert.Equal(evaluated.LogLoss, averaged.ValidationMetrics!.LogLoss, 5);
        Assert.Equal(evaluated.Accuracy, averaged.ValidationMetrics.Accuracy, 12);
        Assert.NotEqual(plain.ValidationMetrics!.LogLoss, averaged.ValidationMetrics.LogLoss, 6);
        Assert.Equal("3 views of " + Augmentations.Light, averaged.Configuration["tta"]);
        Assert.DoesNotContain("tta", plain.Configuration.Keys);
    }

    [Fact]
    public void Negative_views_are_refused()
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work));
        Assert.Contains("views", Assert.Throws<ArgumentOutOfRangeException>(() => learner.WithTestTimeAugmentation(-1)).Message);
    }

    [Fact]
    public void Tl_train_tta_records_the_views_and_refuses_a_negative_count()
    {
        string weights = LoopFixtures.Backbone(_work).Model.FilePath!;
        string train = LoopFixtures.WriteImages(_work.File("train"), perClass: 12, seed: 1);
        var run = TlRunner.Run("train", "--train", train, "--weights", weights, "--mode", "features", "--tta", "2",
            "--augment", "none", "--threads", "1", "--out", _work.File("run"));
        Assert.True(run.Exit == 0, run.Error + run.Output);
        using var model = ML.Models.TransferModel.Load(Path.Combine(_work.File("run"), "model.tlmodel"));
        Assert.StartsWith("2 views of", model.TrainingOptions["tta"]);

        var bad = TlRunner.Run("train", "--train", train, "--weights", weights, "--tta", "-1", "--out", _work.File("bad"));
        Assert.NotEqual(0, bad.Exit);
        Assert.Contains("--tta -1", bad.Error);
    }

    public void Dispose() => _work.Dispose();
}
