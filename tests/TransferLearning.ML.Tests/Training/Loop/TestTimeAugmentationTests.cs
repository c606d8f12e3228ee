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

    public void Dispose() => _work.Dispose();
}
