using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Tests.Reporting;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Evaluation;

[Collection(TrainedKermanyModelCollection.Name)]
public sealed class ModelEvaluatorTests(TrainedKermanyModel model)
{
    private ImageDataset Test => model.Result.Splits.Test;

    private static EvaluationOptions Tta(int views, int seed = 42) => new() { TtaViews = views, Seed = seed, BootstrapSamples = 0 };

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Without_tta_views_the_probabilities_and_metrics_are_those_of_the_plain_evaluation()
    {
        var plain = model.Result.TestPredictions!;

        var probabilities = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(0));
        var metrics = ModelEvaluator.Evaluate(model.Result.Model, Test, Tta(0));

        for (int i = 0; i < plain.Count; i++)
            for (int k = 0; k < 2; k++)
                Assert.Equal(plain.Probability(i, k), probabilities[plain.SampleIndices[i], k]);
        Assert.Equal(model.Result.TestMetrics!.Accuracy, metrics.Accuracy);
        Assert.Equal(model.Result.TestMetrics.RocAuc, metrics.RocAuc);
        Assert.Equal(model.Result.TestMetrics.LogLoss, metrics.LogLoss);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Tta_views_change_the_probabilities_which_stay_distributions()
    {
        var plain = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(0));
        var averaged = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(4));

        Assert.NotEqual(plain.Cast<float>(), averaged.Cast<float>());
        for (int i = 0; i < Test.Count; i++) Assert.Equal(1f, averaged[i, 0] + averaged[i, 1], 4);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Tta_is_deterministic_for_a_seed_and_changes_with_it()
    {
        var first = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(3, seed: 1));
        var second = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(3, seed: 1));
        var otherSeed = ModelEvaluator.Probabilities(model.Result.Model, Test, Tta(3, seed: 2));

        Assert.Equal(first.Cast<float>(), second.Cast<float>());
        Assert.NotEqual(first.Cast<float>(), otherSeed.Cast<float>());
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_threshold_override_decides_the_binary_predictions()
    {
        var everythingPositive = ModelEvaluator.Evaluate(model.Result.Model, Test, Tta(0) with { Threshold = 0 });

        Assert.Equal(0.0, everythingPositive.Threshold);
        Assert.Equal(1.0, everythingPositive.Sensitivity);
        Assert.Equal(0.0, everythingPositive.Specificity);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_dataset_with_other_classes_is_refused_with_a_fix()
    {
        var other = ImageDataset.FromList([(Test.Samples[0].Source.Path!, "cat"), (Test.Samples[1].Source.Path!, "dog")]);

        var error = Assert.Throws<ArgumentException>(() => ModelEvaluator.Evaluate(model.Result.Model, other));

        Assert.Contains("ClassNames = model.ClassNames", error.Message);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Negative_tta_views_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelEvaluator.Evaluate(model.Result.Model, Test, Tta(-1)));
    }
}
