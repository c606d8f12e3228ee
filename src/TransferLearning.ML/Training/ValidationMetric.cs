namespace TransferLearning.ML.Training;

/// <summary>A validation measure used to select the best epoch, stop early or reduce the learning rate.</summary>
public enum ValidationMetric
{
    /// <summary>Validation cross-entropy (lower is better). The default: it tracks calibration as well as ranking.</summary>
    Loss,

    /// <summary>Validation accuracy (higher is better).</summary>
    Accuracy,

    /// <summary>Validation ROC-AUC, one-vs-rest macro for more than two classes (higher is better).</summary>
    RocAuc,
}

internal static class ValidationMetricExtensions
{
    public static bool HigherIsBetter(this ValidationMetric metric) => metric != ValidationMetric.Loss;

    public static double Read(this ValidationMetric metric, EpochMetrics epoch) => metric switch
    {
        ValidationMetric.Loss => epoch.ValidationLoss,
        ValidationMetric.Accuracy => epoch.ValidationAccuracy,
        ValidationMetric.RocAuc => epoch.ValidationRocAuc,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>Whether <paramref name="candidate"/> beats <paramref name="best"/> by more than <paramref name="minDelta"/>.</summary>
    public static bool Improves(this ValidationMetric metric, double candidate, double best, double minDelta)
    {
        if (double.IsNaN(candidate)) return false;
        if (double.IsNaN(best)) return true;
        return metric.HigherIsBetter() ? candidate > best + minDelta : candidate < best - minDelta;
    }
}
