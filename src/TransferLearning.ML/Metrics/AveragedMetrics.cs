namespace TransferLearning.ML.Metrics;

/// <summary>
/// Per-class metrics averaged over all classes: macro (every class counts the same, as scikit-learn's
/// <c>average='macro'</c> with <c>labels=range(K)</c>) or weighted by support (<c>average='weighted'</c>).
/// </summary>
/// <param name="Precision">Averaged precision.</param>
/// <param name="Recall">Averaged recall (sensitivity). The macro average over present classes is <see cref="ClassificationMetrics.BalancedAccuracy"/>.</param>
/// <param name="Specificity">Averaged specificity (no scikit-learn function; same averaging).</param>
/// <param name="F1">Averaged per-class F1 (not the F1 of the averaged precision and recall).</param>
public sealed record AveragedMetrics(double Precision, double Recall, double Specificity, double F1);
