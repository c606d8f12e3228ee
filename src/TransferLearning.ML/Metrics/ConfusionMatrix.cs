namespace TransferLearning.ML.Metrics;

/// <summary>
/// Counts of (true class, predicted class) pairs: rows are true classes, columns predicted classes, as
/// scikit-learn's <c>confusion_matrix(labels=range(K))</c>. Immutable.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] _counts;

    /// <summary>Wraps a copy of <paramref name="counts"/>.</summary>
    /// <param name="counts">K×K counts, rows = true class, columns = predicted class.</param>
    /// <param name="classNames">K class names.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The matrix is not K×K for K names, or a count is negative.</exception>
    public ConfusionMatrix(int[,] counts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        int k = classNames.Count;
        if (counts.GetLength(0) != k || counts.GetLength(1) != k)
            throw new ArgumentException($"The confusion matrix is {counts.GetLength(0)}×{counts.GetLength(1)} but there are {k} class names; pass a K×K matrix.", nameof(counts));
        _counts = (int[,])counts.Clone();
        foreach (int count in _counts)
            if (count < 0) throw new ArgumentException("Confusion-matrix counts cannot be negative.", nameof(counts));
        ClassNames = [.. classNames];
        foreach (int count in _counts) Total += count;
    }

    /// <summary>Counts predictions against true labels.</summary>
    /// <param name="labels">True class index of each sample.</param>
    /// <param name="predicted">Predicted class index of each sample.</param>
    /// <param name="classNames">Class names; their count K fixes the matrix size.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts differ or a label is outside [0, K).</exception>
    public static ConfusionMatrix FromPredictions(IReadOnlyList<int> labels, IReadOnlyList<int> predicted, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classNames);
        if (labels.Count != predicted.Count)
            throw new ArgumentException($"{labels.Count} labels but {predicted.Count} predictions; pass one prediction per label.", nameof(predicted));
        int k = classNames.Count;
        var counts = new int[k, k];
        for (int i = 0; i < labels.Count; i++)
        {
            if ((uint)labels[i] >= (uint)k || (uint)predicted[i] >= (uint)k)
                throw new ArgumentException($"Sample {i} has label {labels[i]} / prediction {predicted[i]}, outside the {k} classes [0, {k - 1}].", nameof(labels));
            counts[labels[i], predicted[i]]++;
        }
        return new ConfusionMatrix(counts, classNames);
    }

    /// <summary>Class names, in index order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes K.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Number of samples counted.</summary>
    public int Total { get; }

    /// <summary>Samples of true class <paramref name="trueClass"/> predicted as <paramref name="predictedClass"/>.</summary>
    public int this[int trueClass, int predictedClass] => _counts[trueClass, predictedClass];

    /// <summary>Samples whose true class is <paramref name="trueClass"/> (the support).</summary>
    public int RowTotal(int trueClass)
    {
        int sum = 0;
        for (int p = 0; p < ClassCount; p++) sum += _counts[trueClass, p];
        return sum;
    }

    /// <summary>Samples predicted as <paramref name="predictedClass"/>.</summary>
    public int ColumnTotal(int predictedClass)
    {
        int sum = 0;
        for (int t = 0; t < ClassCount; t++) sum += _counts[t, predictedClass];
        return sum;
    }

    /// <summary>
    /// The cell as a percentage (0–100) of its row, i.e. of the true class; the diagonal is each class's recall.
    /// 0 for a class with no samples.
    /// </summary>
    public double RowPercentage(int trueClass, int predictedClass)
    {
        int row = RowTotal(trueClass);
        return row == 0 ? 0 : 100.0 * _counts[trueClass, predictedClass] / row;
    }

    /// <summary>A copy of the K×K counts, rows = true class, columns = predicted class.</summary>
    public int[,] Counts => (int[,])_counts.Clone();

    /// <summary>Every cell as a percentage of its row (see <see cref="RowPercentage"/>), K×K.</summary>
    public double[,] RowPercentages()
    {
        var percentages = new double[ClassCount, ClassCount];
        for (int t = 0; t < ClassCount; t++)
            for (int p = 0; p < ClassCount; p++) percentages[t, p] = RowPercentage(t, p);
        return percentages;
    }

    /// <summary>The counts as one array per true class (the JSON shape).</summary>
    public int[][] ToRows()
    {
        var rows = new int[ClassCount][];
        for (int t = 0; t < ClassCount; t++)
        {
            rows[t] = new int[ClassCount];
            for (int p = 0; p < ClassCount; p++) rows[t][p] = _counts[t, p];
        }
        return rows;
    }
}
