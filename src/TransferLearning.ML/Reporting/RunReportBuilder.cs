using System.Globalization;
using System.Text.Json.Nodes;
using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Interpretability;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// Turns a <see cref="TrainingResult"/> into the run's files (through <see cref="RunArtifacts"/>):
/// <c>report.html</c> (self-contained), <c>metrics.json</c>, <c>history.csv</c> and the figures under <c>plots/</c>.
/// The report shows the dataset per split, the configuration, timings, training curves, the metrics with their
/// confidence intervals on the test split (validation when there is none), the confusion matrix, ROC and
/// reliability figures, and the most confidently wrong images with their Grad-CAM overlays.
/// </summary>
public static class RunReportBuilder
{
    /// <summary>Writes the report of <paramref name="result"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">The run's output folder (created if needed).</param>
    /// <param name="result">What <see cref="TransferLearner.Fit"/> returned.</param>
    /// <param name="options">Title, example grid and Grad-CAM; default <c>null</c>: the defaults of <see cref="RunReportOptions"/>.</param>
    /// <param name="cancellationToken">Stops between examples and files.</param>
    /// <returns>The path of <c>report.html</c>.</returns>
    /// <remarks>
    /// <c>metrics.json</c> holds the evaluated split's metrics at top level (<c>accuracy</c>, <c>rocAuc</c>, …) and
    /// adds <c>evaluatedSplit</c>, <c>validation</c> (the validation metrics, when any), <c>mode</c>,
    /// <c>backbone</c>, <c>bestEpoch</c> and <c>stoppedEarly</c>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputDirectory"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ImageDataException">An example image can no longer be read.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static string Write(string outputDirectory, TrainingResult result, RunReportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(result);
        options ??= new RunReportOptions();
        options.Validate();
        bool onTest = result.TestMetrics is not null;
        string split = onTest ? "test" : "validation";
        var report = new RunReport
        {
            Title = options.Title ?? $"{result.Model.BackboneName} ({TrainingModeNames.Of(result.Model.Mode)}) — training report",
            CreatedAt = options.CreatedAt ?? DateTimeOffset.UtcNow,
            EvaluatedSplit = split,
            Dataset = Summary(result.Splits),
            Configuration = Configuration(result),
            Timings = Timings(result.Timings),
            History = result.History,
            Metrics = result.Metrics,
            ConfidentlyWrong = ConfidentlyWrong(result, onTest, options, cancellationToken),
            SkippedFiles = result.SkippedFiles,
            Notes = options.Notes,
        };
        var extra = new Dictionary<string, object?>
        {
            ["evaluatedSplit"] = split,
            ["mode"] = TrainingModeNames.Of(result.Model.Mode),
            ["backbone"] = result.Model.BackboneName,
            ["bestEpoch"] = result.BestEpoch,
            ["stoppedEarly"] = result.StoppedEarly,
        };
        if (result.SkippedFiles.Count > 0)
            extra["skippedFiles"] = result.SkippedFiles.Select(f => new Dictionary<string, string> { ["path"] = f.Path, ["reason"] = f.Reason }).ToArray();
        if (result.ValidationMetrics is { } validation) extra["validation"] = JsonNode.Parse(MetricsJson.ToJson(validation));
        return RunArtifacts.Write(outputDirectory, report, extra, cancellationToken).ReportHtml;
    }

    private static DatasetSummary Summary(DatasetSplit splits)
    {
        var counts = new Dictionary<string, IReadOnlyList<int>>();
        foreach (var (name, set) in new[] { ("train", splits.Train), ("validation", splits.Validation), ("test", splits.Test) })
            if (set.Count > 0) counts[name] = set.ClassCounts();
        return new DatasetSummary(splits.Train.ClassNames, counts);
    }

    private static List<KeyValuePair<string, string>> Configuration(TrainingResult result)
    {
        var pairs = result.Configuration.ToList();
        pairs.Add(new("bestEpoch", result.BestEpoch.ToString(CultureInfo.InvariantCulture)));
        pairs.Add(new("stoppedEarly", result.StoppedEarly ? "yes" : "no"));
        pairs.Add(new("decisionThreshold", result.Model.DecisionThreshold is double t
            ? $"{t.ToString("0.####", CultureInfo.InvariantCulture)} ({result.Model.ThresholdPolicy?.ToString() ?? "argmax"})" : "argmax"));
        if (result.FeatureCache is { } cache)
            pairs.Add(new("featureCache", $"{cache.FromCache} from cache, {cache.Computed} computed ({cache.Directory})"));
        return pairs;
    }

    private static List<KeyValuePair<string, TimeSpan>> Timings(RunTimings timings) =>
    [
        new("features", timings.FeatureExtraction), new("training", timings.Training),
        new("evaluation", timings.Evaluation), new("total", timings.Total),
    ];

    /// <summary>
    /// Writes the evaluation report of a saved model on a labelled dataset (e.g. an external test set): metrics with
    /// confidence intervals, confusion matrix, ROC, reliability diagram and the most confidently wrong images with
    /// their Grad-CAM, plus <c>metrics.json</c>. Returns the path of <c>report.html</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset's classes differ from the model's.</exception>
    public static string WriteEvaluation(string outputDirectory, TransferModel model, ImageDataset data,
        EvaluationOptions? evaluation = null, RunReportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new RunReportOptions();
        options.Validate();
        evaluation ??= new EvaluationOptions();
        var skipped = new List<SkippedFile>();
        var (labels, probabilities, indices) = ModelEvaluator.Score(model, data, evaluation, skipped, cancellationToken);
        var metrics = ModelEvaluator.Compute(model, labels, probabilities, evaluation, cancellationToken);
        var report = new RunReport
        {
            Title = options.Title ?? $"{model.BackboneName} ({TrainingModeNames.Of(model.Mode)}) — evaluation",
            CreatedAt = options.CreatedAt ?? DateTimeOffset.UtcNow,
            EvaluatedSplit = "test",
            Dataset = new DatasetSummary(data.ClassNames, new Dictionary<string, IReadOnlyList<int>> { ["test"] = data.ClassCounts() }),
            Configuration = [.. model.TrainingOptions, new("decisionThreshold", model.DecisionThreshold?.ToString(CultureInfo.InvariantCulture) ?? "argmax"),
                new("testTimeAugmentationViews", evaluation.TtaViews.ToString(CultureInfo.InvariantCulture))],
            Metrics = metrics,
            ConfidentlyWrong = ConfidentlyWrong(model, data, labels, probabilities, indices,
                metrics.Threshold ?? 0.5, options, cancellationToken),
            SkippedFiles = [.. data.Skipped, .. skipped],
            Notes = options.Notes,
        };
        var extra = new Dictionary<string, object?> { ["evaluatedSplit"] = "test", ["mode"] = TrainingModeNames.Of(model.Mode), ["backbone"] = model.BackboneName };
        if (report.SkippedFiles.Count > 0)
            extra["skippedFiles"] = report.SkippedFiles.Select(f => new Dictionary<string, string> { ["path"] = f.Path, ["reason"] = f.Reason }).ToArray();
        return RunArtifacts.Write(outputDirectory, report, extra, cancellationToken).ReportHtml;
    }

    /// <summary>The most confident mistakes on the evaluated split, each with a thumbnail and a Grad-CAM of the predicted class.</summary>
    private static List<MisclassifiedExample> ConfidentlyWrong(TrainingResult result, bool onTest, RunReportOptions options,
        CancellationToken cancellationToken)
    {
        if (options.ConfidentlyWrongLimit == 0) return [];
        ImageDataset set = onTest ? result.Splits.Test : result.Splits.Validation;
        if (set.Count == 0) return [];
        var (labels, probabilities, indices) = onTest && result.TestPredictions is { } test
            ? (test.LabelArray, test.Matrix, test.SampleIndexArray)
            : result.Model.PredictProbabilities(set, cancellationToken: cancellationToken, skipUnreadable: []);
        double threshold = result.Metrics?.Threshold ?? result.Model.DecisionThreshold ?? 0.5;
        return ConfidentlyWrong(result.Model, set, labels, probabilities, indices, threshold, options, cancellationToken);
    }

    private static List<MisclassifiedExample> ConfidentlyWrong(TransferModel model, ImageDataset set, int[] labels, float[,] probabilities,
        int[] indices, double threshold, RunReportOptions options, CancellationToken cancellationToken)
    {
        if (options.ConfidentlyWrongLimit == 0 || set.Count == 0) return [];
        var errors = ConfidentError.Find(labels, probabilities, options.ConfidentlyWrongLimit, threshold);
        if (errors.Count == 0) return [];

        var names = model.ClassNames;
        var decoder = new ImageDecoder(model.MaxImagePixels);
        var scratch = new DecodedImage();
        using GradCam? gradCam = options.IncludeGradCam ? model.CreateGradCam(new GradCamOptions { TargetLayer = options.GradCamLayer }) : null;
        var examples = new List<MisclassifiedExample>(errors.Count);
        foreach (var error in errors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ImageSource source = set.Samples[indices[error.Index]].Source;
            byte[] thumbnail = ReportThumbnail.Png(decoder, scratch, source, options.ThumbnailSize);
            byte[]? overlay = gradCam?.Compute(source, error.PredictedClass).OverlayPng();
            examples.Add(new MisclassifiedExample(thumbnail, names[error.TrueClass], names[error.PredictedClass], error.Confidence,
                overlay, Path.GetFileName(source.DisplayName)));
        }
        return examples;
    }
}
