namespace TransferLearning.ML.Metrics;

/// <summary>
/// The receiver operating characteristic of one class: false- and true-positive rates at every distinct score,
/// the points of scikit-learn's <c>roc_curve(..., drop_intermediate=False)</c>.
/// </summary>
public sealed class RocCurve
{
    private RocCurve(double[] falsePositiveRates, double[] truePositiveRates, double[] thresholds, double area,
        int positiveCount, int negativeCount)
    {
        FalsePositiveRates = falsePositiveRates;
        TruePositiveRates = truePositiveRates;
        Thresholds = thresholds;
        Area = area;
        PositiveCount = positiveCount;
        NegativeCount = negativeCount;
    }

    /// <summary>False-positive rate (1 − specificity) at each threshold; all <see cref="double.NaN"/> without negatives.</summary>
    public IReadOnlyList<double> FalsePositiveRates { get; }

    /// <summary>True-positive rate (sensitivity) at each threshold; all <see cref="double.NaN"/> without positives.</summary>
    public IReadOnlyList<double> TruePositiveRates { get; }

    /// <summary>
    /// Decreasing thresholds: a sample is called positive when its score is ≥ the threshold. The first is
    /// <see cref="double.PositiveInfinity"/> (nothing positive, the (0, 0) point) as in scikit-learn ≥ 1.3.
    /// </summary>
    public IReadOnlyList<double> Thresholds { get; }

    /// <summary>Area under the curve (trapezoidal rule); <see cref="double.NaN"/> when only one class is present.</summary>
    public double Area { get; }

    /// <summary>Number of positive samples.</summary>
    public int PositiveCount { get; }

    /// <summary>Number of negative samples.</summary>
    public int NegativeCount { get; }

    /// <summary>Computes the ROC curve of <paramref name="positiveLabel"/> against every other label.</summary>
    /// <param name="labels">True label of each sample.</param>
    /// <param name="scores">Score of each sample for the positive class (e.g. its probability).</param>
    /// <param name="positiveLabel">The label counted as positive; default 1.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, there is no sample, or a score is not finite.</exception>
    public static RocCurve Compute(IReadOnlyList<int> labels, IReadOnlyList<float> scores, int positiveLabel = 1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(scores);
        if (labels.Count == 0) throw new ArgumentException("No samples: pass at least one label and score.", nameof(labels));
        return FromRanking(ScoreRanking.ForClass(labels, [.. scores], positiveLabel, nameof(scores)));
    }

    internal static RocCurve FromRanking(ScoreRanking ranking)
    {
        var (tps, fps) = ranking.CumulativeCounts();
        int n = tps.Length + 1;
        var fpr = new double[n];
        var tpr = new double[n];
        var thresholds = new double[n];
        thresholds[0] = double.PositiveInfinity;
        double positives = ranking.PositiveCount, negatives = ranking.NegativeCount;
        for (int g = 0; g < tps.Length; g++)
        {
            fpr[g + 1] = fps[g] / negatives;
            tpr[g + 1] = tps[g] / positives;
            thresholds[g + 1] = ranking.Thresholds[g];
        }
        if (negatives == 0) Array.Fill(fpr, double.NaN);
        if (positives == 0) Array.Fill(tpr, double.NaN);
        return new RocCurve(fpr, tpr, thresholds, ranking.RocAuc(), ranking.PositiveCount, ranking.NegativeCount);
    }
}
