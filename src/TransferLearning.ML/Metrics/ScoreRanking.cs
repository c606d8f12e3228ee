namespace TransferLearning.ML.Metrics;

/// <summary>
/// Scores of one class sorted from highest to lowest and grouped by equal value: the common ground of ROC and
/// precision-recall curves, their areas, threshold choice and the bootstrap (which re-weights the same order).
/// </summary>
internal sealed class ScoreRanking
{
    private readonly int[] _order;      // sample indices by descending score
    private readonly int[] _groupEnds;  // exclusive end in _order of each run of equal scores
    private readonly bool[] _isPositive;

    public ScoreRanking(bool[] isPositive, float[] scores, string scoreName)
    {
        if (isPositive.Length != scores.Length)
            throw new ArgumentException($"{scoreName}: {scores.Length} scores for {isPositive.Length} labels; pass one score per label.");
        var keys = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            if (!float.IsFinite(scores[i]))
                throw new ArgumentException($"{scoreName}: score {i} is {scores[i]}; scores must be finite (check the model's output for NaN).");
            keys[i] = -(double)scores[i];
        }
        _order = new int[scores.Length];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        Array.Sort(keys, _order);

        var ends = new List<int>();
        var thresholds = new List<double>();
        for (int i = 0; i < keys.Length; i++)
            if (i == keys.Length - 1 || keys[i + 1] != keys[i])
            {
                ends.Add(i + 1);
                thresholds.Add(-keys[i]);
            }
        _groupEnds = [.. ends];
        Thresholds = [.. thresholds];
        _isPositive = isPositive;
        foreach (bool positive in isPositive)
            if (positive) PositiveCount++; else NegativeCount++;
    }

    /// <summary>The distinct scores, highest first.</summary>
    public double[] Thresholds { get; }

    public int PositiveCount { get; }

    public int NegativeCount { get; }

    /// <summary>True and false positives when everything scoring at least <c>Thresholds[g]</c> is called positive.</summary>
    public (double[] TruePositives, double[] FalsePositives) CumulativeCounts()
    {
        var tps = new double[_groupEnds.Length];
        var fps = new double[_groupEnds.Length];
        double tp = 0, fp = 0;
        int start = 0;
        for (int g = 0; g < _groupEnds.Length; g++)
        {
            for (int i = start; i < _groupEnds[g]; i++)
                if (_isPositive[_order[i]]) tp++; else fp++;
            tps[g] = tp;
            fps[g] = fp;
            start = _groupEnds[g];
        }
        return (tps, fps);
    }

    /// <summary>
    /// Area under the ROC curve with each sample counted <paramref name="multiplicity"/> times (all once when
    /// empty): the trapezoidal rule over the distinct thresholds, as scikit-learn's <c>roc_auc_score</c>;
    /// <see cref="double.NaN"/> when positives or negatives are missing.
    /// </summary>
    public double RocAuc(ReadOnlySpan<int> multiplicity = default)
    {
        bool weighted = !multiplicity.IsEmpty;
        double tp = 0, fp = 0, twiceArea = 0;
        int start = 0;
        foreach (int end in _groupEnds)
        {
            double previousTp = tp, previousFp = fp;
            for (int i = start; i < end; i++)
            {
                int sample = _order[i];
                int weight = weighted ? multiplicity[sample] : 1;
                if (_isPositive[sample]) tp += weight; else fp += weight;
            }
            twiceArea += (fp - previousFp) * (tp + previousTp);
            start = end;
        }
        return tp == 0 || fp == 0 ? double.NaN : twiceArea / (2 * tp * fp);
    }

    /// <summary>
    /// Average precision, Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct thresholds, as scikit-learn's
    /// <c>average_precision_score</c>; 0 when there is no positive (scikit-learn's value, with its warning).
    /// </summary>
    public double AveragePrecision()
    {
        var (tps, fps) = CumulativeCounts();
        double positives = PositiveCount;
        if (positives == 0) return 0;
        double sum = 0, previousRecall = 0;
        for (int g = 0; g < tps.Length; g++)
        {
            double recall = tps[g] / positives;
            sum += (recall - previousRecall) * (tps[g] / (tps[g] + fps[g]));
            previousRecall = recall;
        }
        return sum;
    }

    public static ScoreRanking ForClass(IReadOnlyList<int> labels, float[] scores, int positiveLabel, string scoreName)
    {
        var isPositive = new bool[labels.Count];
        for (int i = 0; i < isPositive.Length; i++) isPositive[i] = labels[i] == positiveLabel;
        return new ScoreRanking(isPositive, scores, scoreName);
    }

    public static float[] Column(float[,] probabilities, int column)
    {
        var values = new float[probabilities.GetLength(0)];
        for (int i = 0; i < values.Length; i++) values[i] = probabilities[i, column];
        return values;
    }
}
