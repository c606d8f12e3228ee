using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Training;

/// <summary>The validation measures recorded every epoch.</summary>
internal sealed record ValidationResult(double Loss, double Accuracy, double RocAuc)
{
    public static ValidationResult None { get; } = new(double.NaN, double.NaN, double.NaN);

    public static ValidationResult From(IReadOnlyList<int> labels, float[,] probabilities, IReadOnlyList<string> classNames)
    {
        if (labels.Count == 0) return None;
        var metrics = MetricsCalculator.Compute(labels, probabilities, classNames, new MetricsOptions { BootstrapSamples = 0 });
        return new ValidationResult(metrics.LogLoss, metrics.Accuracy, metrics.RocAuc);
    }
}
