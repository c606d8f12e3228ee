namespace TransferLearning.ML.Metrics;

/// <summary>
/// Precision and recall of one class at every distinct score, highest threshold first. scikit-learn's
/// <c>precision_recall_curve</c> returns the same points in the opposite order with an extra (recall 0,
/// precision 1) end point; this curve leaves that artificial point out.
/// </summary>
public sealed class PrecisionRecallCurve
{
    private PrecisionRecallCurve(double[] precision, double[] recall, double[] thresholds, double averagePrecision)
    {
        Precision = precision;
        Recall = recall;
        Thresholds = thresholds;
        AveragePrecision = averagePrecision;
    }

    /// <summary>Precision at each threshold.</summary>
    public IReadOnlyList<double> Precision { get; }

    /// <summary>Recall (sensitivity) at each threshold; all 1 without positives (scikit-learn's convention).</summary>
    public IReadOnlyList<double> Recall { get; }

    /// <summary>Decreasing thresholds: a sample is called positive when its score is ≥ the threshold.</summary>
    public IReadOnlyList<double> Thresholds { get; }

    /// <summary>Average precision Σ (Rₙ − Rₙ₋₁) Pₙ, as scikit-learn's <c>average_precision_score</c>; 0 without positives.</summary>
    public double AveragePrecision { get; }

    /// <summary>Computes the precision-recall curve of <paramref name="positiveLabel"/> against every other label.</summary>
    /// <param name="labels">True label of each sample.</param>
    /// <param name="scores">Score of each sample for the positive class.</param>
    /// <param name="positiveLabel">The label counted as positive; default 1.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, there is no sample, or a score is not finite.</exception>
    public static PrecisionRecallCurve Compute(IReadOnlyList<int> labels, IReadOnlyList<float> scores, int positiveLabel = 1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        if (labels.Count == 0) throw new ArgumentException("No samples: pass at least one label and score.", nameof(labels));
        var ranking = ScoreRanking.ForClass(labels, [.. scores], positiveLabel, nameof(scores));
        var (tps, fps) = ranking.CumulativeCounts();
        var precision = new double[tps.Length];
        var recall = new double[tps.Length];
        for (int g = 0; g < tps.Length; g++)
        {
            precision[g] = tps[g] / (tps[g] + fps[g]);
            recall[g] = ranking.PositiveCount == 0 ? 1 : tps[g] / ranking.PositiveCount;
        }
        return new PrecisionRecallCurve(precision, recall, ranking.Thresholds, ranking.AveragePrecision());
    }
}
