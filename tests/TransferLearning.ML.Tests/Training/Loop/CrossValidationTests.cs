using System.Text.Json.Nodes;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// <see cref="TransferLearner.CrossValidate"/> on the tiny backbone: every image is scored once, by the model of the
/// fold that held it out; groups (patients) stay in one fold and out of that fold's training and validation; the
/// fold metrics are those of the out-of-fold scores; the summary is the mean, SD and Student-t interval of the folds.
/// </summary>
public sealed class CrossValidationTests : IDisposable
{
    private readonly TempFolder _work = new();

    // 2 × 15 images; groups of two consecutive images of one class ("patients" p0..p14)
    private static ImageDataset Grouped()
    {
        var images = LoopFixtures.Images(15, seed: 3, "cv");
        return new ImageDataset(images.ClassNames, images.Samples.Select((s, i) => s with { Group = $"p{i / 2}" }));
    }

    [Fact]
    public void Every_image_is_scored_once_by_the_fold_that_held_it_out_and_patients_stay_in_one_fold()
    {
        var images = Grouped();
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).WithImages(images)
            .FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 1 }).CrossValidate(folds: 3);

        Assert.True(result.ByGroup);
        Assert.Equal(15, result.GroupCount);
        Assert.Equal(3, result.Folds.Count);
        Assert.Equal(images.Count, result.Folds.Sum(f => f.HeldOut.Count));
        // the out-of-fold rows are a permutation of the images, with their true labels
        Assert.Equal(Enumerable.Range(0, images.Count), result.OutOfFold.SampleIndices.Order());
        for (int r = 0; r < result.OutOfFold.Count; r++)
            Assert.Equal(images.Samples[result.OutOfFold.SampleIndices[r]].Label, result.OutOfFold.Labels[r]);
        // a patient's images are all in one fold's held-out set, so no model saw the patient it scored
        var foldOfGroup = new Dictionary<string, int>();
        foreach (var fold in result.Folds)
            foreach (var sample in fold.HeldOut.Samples)
                Assert.Equal(fold.Index, foldOfGroup.TryAdd(sample.Group!, fold.Index) ? fold.Index : foldOfGroup[sample.Group!]);
        Assert.Equal(15, foldOfGroup.Count);
        // each fold trained on the other folds minus its validation split
        Assert.All(result.Folds, f => Assert.Equal(images.Count - f.HeldOut.Count, f.TrainCount + f.ValidationCount));
        Assert.All(result.Folds, f => Assert.True(f.ValidationCount > 0));
    }

    [Fact]
    public void Fold_metrics_are_those_of_its_out_of_fold_scores_and_the_summary_is_their_mean()
    {
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).WithImages(LoopFixtures.Images(12, seed: 4, "cv"))
            .ExtractFeatures(new FeatureExtractionOptions { HeadKind = FeatureHeadKind.LogisticRegression }).CrossValidate(folds: 3);

        Assert.False(result.ByGroup);
        int row = 0;
        var accuracies = new List<double>();
        foreach (var fold in result.Folds)
        {
            // the rows come fold by fold, in held-out order
            int count = fold.Metrics.SampleCount;
            var labels = result.OutOfFold.Labels.Skip(row).Take(count).ToArray();
            var probabilities = new float[count, 2];
            for (int i = 0; i < count; i++)
                for (int k = 0; k < 2; k++) probabilities[i, k] = result.OutOfFold.Probability(row + i, k);
            var recomputed = MetricsCalculator.Compute(labels, probabilities, result.Images.ClassNames,
                new MetricsOptions { Threshold = fold.Threshold ?? 0.5, BootstrapSamples = 0 });
            Assert.Equal(recomputed.Accuracy, fold.Metrics.Accuracy, 12);
            Assert.Equal(recomputed.LogLoss, fold.Metrics.LogLoss, 9);
            accuracies.Add(fold.Metrics.Accuracy);
            row += count;
        }
        Assert.Equal(accuracies, result.Accuracy.PerFold);
        Assert.Equal(accuracies.Average(), result.Accuracy.Mean, 12);
        Assert.Contains(result.Summary, m => m.Name == "rocAuc");
        Assert.Contains(result.Summary, m => m.Name == "specificity");
    }

    [Fact]
    public void The_summary_interval_is_the_student_t_interval_of_the_fold_values()
    {
        // t(0.975, 2) = 4.302653 and t(0.975, 4) = 2.776445 (standard tables, e.g. scipy.stats.t.ppf)
        var three = CrossValidatedMetric.From("accuracy", [0.8, 0.9, 1.0]);
        Assert.Equal(0.9, three.Mean, 12);
        Assert.Equal(0.1, three.StandardDeviation, 12);
        Assert.Equal(0.9 - 4.302653 * 0.1 / Math.Sqrt(3), three.Interval.Lower, 3);
        Assert.Equal(0.9 + 4.302653 * 0.1 / Math.Sqrt(3), three.Interval.Upper, 3);

        // an undefined fold (NaN) is left out of the summary but kept in PerFold
        var five = CrossValidatedMetric.From("rocAuc", [0.7, double.NaN, 0.8, 0.75, 0.9, 0.85]);
        Assert.Equal(6, five.PerFold.Count);
        Assert.Equal(0.8, five.Mean, 12);
        double sd = Math.Sqrt((0.01 + 0 + 0.0025 + 0.01 + 0.0025) / 4);
        Assert.Equal(sd, five.StandardDeviation, 12);
        Assert.Equal(0.8 + 2.776445 * sd / Math.Sqrt(5), five.Interval.Upper, 3);

        // clipped to the metric's range
        var wide = CrossValidatedMetric.From("accuracy", [0.9, 1.0, 1.0], 0, 1);
        Assert.Equal(1.0, wide.Interval.Upper);
        Assert.True(wide.Interval.Lower < 0.9);
        Assert.True(double.IsNaN(CrossValidatedMetric.From("x", [0.5]).Interval.Lower));
        Assert.True(double.IsNaN(CrossValidatedMetric.From("x", [double.NaN]).Mean));
    }

    [Fact]
    public void Bad_fold_counts_and_missing_images_are_refused_in_api_words()
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work));
        Assert.Contains("folds", Assert.Throws<ArgumentOutOfRangeException>(() => learner.CrossValidate(1)).Message);
        Assert.Contains("WithImages", Assert.Throws<InvalidOperationException>(() =>
            TransferLearner.For(LoopFixtures.Backbone(_work)).CrossValidate()).Message);
        Assert.Contains("Split(validation", Assert.Throws<ArgumentException>(() =>
            learner.WithImages(Grouped()).Split(validation: 0, test: 0).CrossValidate(3)).Message);
    }

    public void Dispose() => _work.Dispose();
}

/// <summary><c>tl train --folds</c>: the cross-validation is printed and written to crossvalidation.json before the model is trained and saved.</summary>
public sealed class CrossValidationCommandTests : IDisposable
{
    private readonly TempFolder _work = new();

    [Fact]
    public void Tl_train_folds_writes_crossvalidation_json_and_still_saves_the_model()
    {
        string weights = LoopFixtures.Backbone(_work).Model.FilePath!;
        string train = LoopFixtures.WriteImages(_work.File("train"), perClass: 12, seed: 1);
        string output = _work.File("run");

        var run = TlRunner.Run("train", "--train", train, "--weights", weights, "--mode", "features", "--folds", "3",
            "--augment", "none", "--threads", "1", "--out", output);

        Assert.True(run.Exit == 0, run.Error + run.Output);
        Assert.Contains("mean ± sd", run.Output);
        Assert.Contains("3 folds of 24 images", run.Output);
        Assert.Contains("no patient groups", run.Output);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "crossvalidation.json")))!;
        Assert.Equal(3, json["folds"]!.GetValue<int>());
        Assert.Equal(24, json["images"]!.GetValue<int>());
        var perFold = json["perFold"]!.AsArray();
        Assert.Equal(3, perFold.Count);
        Assert.Equal(24, perFold.Sum(f => f!["heldOut"]!.GetValue<int>()));
        double mean = perFold.Average(f => f!["accuracy"]!.GetValue<double>());
        Assert.Equal(mean, json["summary"]!["accuracy"]!["mean"]!.GetValue<double>(), 5);
        using var model = TransferModel.Load(Path.Combine(output, "model.tlmodel"));
        Assert.Equal(TrainingMode.FeatureExtraction, model.Mode);
    }

    [Fact]
    public void Tl_train_folds_refuses_a_separate_validation_folder_and_bad_counts()
    {
        string weights = LoopFixtures.Backbone(_work).Model.FilePath!;
        string train = LoopFixtures.WriteImages(_work.File("train"), perClass: 4, seed: 1);
        var withValidation = TlRunner.Run("train", "--train", train, "--validation", train, "--folds", "3", "--weights", weights, "--out", _work.File("a"));
        Assert.NotEqual(0, withValidation.Exit);
        Assert.Contains("--folds", withValidation.Error);
        var one = TlRunner.Run("train", "--train", train, "--folds", "1", "--weights", weights, "--out", _work.File("b"));
        Assert.NotEqual(0, one.Exit);
        Assert.Contains("--folds 1", one.Error);
    }

    public void Dispose() => _work.Dispose();
}
