namespace TransferLearning.ML.Metrics;

/// <summary>
/// Percentile bootstrap confidence intervals: the evaluation set is resampled with replacement
/// <see cref="Samples"/> times, each metric is recomputed on every resample, and the interval is the
/// (1 − level)/2 and (1 + level)/2 percentiles of those values (linear interpolation, as <c>numpy.percentile</c>).
/// Resamples on which a metric is undefined (e.g. AUC when a class is missing) are left out of that metric.
/// </summary>
/// <param name="Samples">Number of resamples.</param>
/// <param name="Seed">Seed of the resampling.</param>
/// <param name="Level">Coverage, e.g. 0.95.</param>
/// <param name="Accuracy">Interval of <see cref="ClassificationMetrics.Accuracy"/>.</param>
/// <param name="BalancedAccuracy">Interval of <see cref="ClassificationMetrics.BalancedAccuracy"/>.</param>
/// <param name="RocAuc">Interval of <see cref="ClassificationMetrics.RocAuc"/>.</param>
/// <param name="Sensitivity">Binary only (else null): interval of the positive class's sensitivity.</param>
/// <param name="Specificity">Binary only (else null): interval of the positive class's specificity.</param>
public sealed record BootstrapIntervals(
    int Samples,
    int Seed,
    double Level,
    ConfidenceInterval Accuracy,
    ConfidenceInterval BalancedAccuracy,
    ConfidenceInterval RocAuc,
    ConfidenceInterval? Sensitivity,
    ConfidenceInterval? Specificity);
