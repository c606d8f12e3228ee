using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Reporting;

/// <summary>Everything one training run's report shows; written by <see cref="HtmlReport"/> and <see cref="RunArtifacts"/>.</summary>
public sealed class RunReport
{
    /// <summary>Report title, e.g. "MobileNetV2 fine-tuned on kermany-cxr".</summary>
    public required string Title { get; init; }

    /// <summary>When the run finished; shown under the title. Default: null (not shown).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Name of the split the metrics were computed on. Default "test".</summary>
    public string EvaluatedSplit { get; init; } = "test";

    /// <summary>Class counts per split. Default: null (section left out).</summary>
    public DatasetSummary? Dataset { get; init; }

    /// <summary>Configuration as ordered key/value pairs (backbone, image size, epochs, learning rates …). Default: empty.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Configuration { get; init; } = [];

    /// <summary>Named durations (feature extraction, training, evaluation …). Default: empty.</summary>
    public IReadOnlyList<KeyValuePair<string, TimeSpan>> Timings { get; init; } = [];

    /// <summary>Training history, one row per epoch. Default: empty (no training-curves figure).</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    /// <summary>Metrics on <see cref="EvaluatedSplit"/>. Default: null (metric sections left out).</summary>
    public ClassificationMetrics? Metrics { get; init; }

    /// <summary>The most confidently wrong examples, shown most confident first (see <see cref="ConfidentError.Find"/>). Default: empty.</summary>
    public IReadOnlyList<MisclassifiedExample> ConfidentlyWrong { get; init; } = [];

    /// <summary>Images left out because they could not be read (listed in their own section). Default: empty.</summary>
    public IReadOnlyList<Data.SkippedFile> SkippedFiles { get; init; } = [];

    /// <summary>Free-text remarks shown at the end (caveats, data provenance). Default: empty.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
