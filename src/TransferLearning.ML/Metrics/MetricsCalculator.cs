namespace TransferLearning.ML.Metrics;

/// <summary>
/// Computes <see cref="ClassificationMetrics"/> from true labels and predicted class probabilities, matching
/// scikit-learn's definitions (checked against scikit-learn by the tests' fixtures).
/// </summary>
public static class MetricsCalculator
{
    /// <summary>float32 machine epsilon: the clipping scikit-learn's <c>log_loss</c> applies to float32 probabilities.</summary>
    private const double LogLossEpsilon = 1.0 / (1 << 23);

    /// <summary>Largest tolerated |Σ row − 1| of a probability row.</summary>
    private const double RowSumTolerance = 1e-3;

    /// <summary>Evaluates probabilities against labels.</summary>
    /// <param name="labels">True class index of each sample, in [0, K).</param>
    /// <param name="probabilities">N×K class probabilities (softmax outputs); each row must sum to 1.</param>
    /// <param name="classNames">K class names; binary when K = 2, with class 1 the positive (diseased) class.</param>
    /// <param name="options">Threshold, bootstrap and calibration settings; null for the defaults of <see cref="MetricsOptions"/>.</param>
    /// <param name="cancellationToken">Stops the bootstrap.</param>
    /// <returns>The metrics; see <see cref="ClassificationMetrics"/> for each definition.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">
    /// Sizes disagree, there are fewer than 2 classes or no sample, a label is outside [0, K), or a row is not a
    /// probability distribution (e.g. logits passed without softmax).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled during the bootstrap.</exception>
    public static ClassificationMetrics Compute(IReadOnlyList<int> labels, float[,] probabilities,
        IReadOnlyList<string> classNames, MetricsOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MetricsOptions();
        options.Validate();
        Validate(labels, probabilities, classNames);
        int n = labels.Count, k = classNames.Count;
        bool binary = k == 2;

        int[] truth = [.. labels];
        int[] predicted = Predict(probabilities, options.Threshold);
        var confusion = ConfusionMatrix.FromPredictions(truth, predicted, classNames);

        var rankings = new ScoreRanking[k];
        for (int c = 0; c < k; c++)
            rankings[c] = ScoreRanking.ForClass(truth, ScoreRanking.Column(probabilities, c), c, $"probabilities column {c} ({classNames[c]})");
        var perClass = new ClassMetrics[k];
        for (int c = 0; c < k; c++)
            perClass[c] = ForClass(confusion, c, rankings[c]);

        // binary metrics are about the positive class only; multiclass ones average one-vs-rest
        var headline = binary ? new[] { rankings[1] } : rankings;
        var (calibration, ece) = CalibrationBinning.Compute(truth, probabilities, options.CalibrationBins);
        double logLoss = LogLoss(truth, probabilities);

        return new ClassificationMetrics
        {
            ClassNames = [.. classNames],
            SampleCount = n,
            Threshold = binary ? options.Threshold : null,
            Accuracy = Trace(confusion) / (double)n,
            BalancedAccuracy = perClass.Where(c => c.Support > 0).Average(c => c.Recall),
            PerClass = perClass,
            Macro = Average(perClass, weighted: false),
            Weighted = Average(perClass, weighted: true),
            RocAuc = binary ? perClass[1].RocAuc : perClass.Average(c => c.RocAuc),
            PrAuc = binary ? perClass[1].AveragePrecision : perClass.Average(c => c.AveragePrecision),
            LogLoss = logLoss,
            LogLossReduction = LogLossReduction(logLoss, perClass, n),
            CohenKappa = Kappa(confusion, quadratic: false),
            QuadraticWeightedKappa = Kappa(confusion, quadratic: true),
            ExpectedCalibrationError = ece,
            Calibration = calibration,
            ConfusionMatrix = confusion,
            RocCurves = [.. headline.Select(RocCurve.FromRanking)],
            ConfidenceIntervals = options.BootstrapSamples == 0
                ? null
                : new BootstrapResampler(truth, predicted, headline, k).Run(options, cancellationToken),
        };
    }

    private static void Validate(IReadOnlyList<int> labels, float[,] probabilities, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = probabilities.GetLength(0), k = probabilities.GetLength(1);
        if (classNames.Count < 2)
            throw new ArgumentException($"{classNames.Count} class name(s): a classifier needs at least 2 classes.", nameof(classNames));
        if (k != classNames.Count)
            throw new ArgumentException($"probabilities has {k} columns but there are {classNames.Count} class names; pass one column per class.", nameof(probabilities));
        if (n != labels.Count)
            throw new ArgumentException($"probabilities has {n} rows but there are {labels.Count} labels; pass one row per sample.", nameof(probabilities));
        if (n == 0)
            throw new ArgumentException("No samples to evaluate: labels and probabilities are empty.", nameof(labels));
        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] >= (uint)k)
                throw new ArgumentException($"Label {i} is {labels[i]}, outside the {k} classes [0, {k - 1}].", nameof(labels));
            double sum = 0;
            for (int c = 0; c < k; c++)
            {
                float p = probabilities[i, c];
                if (!(p >= 0 && p <= 1))
                    throw new ArgumentException($"probabilities[{i}, {c}] = {p} is not a probability in [0, 1]; pass softmax outputs, not logits.", nameof(probabilities));
                sum += p;
            }
            if (Math.Abs(sum - 1) > RowSumTolerance)
                throw new ArgumentException($"Row {i} of probabilities sums to {sum}, not 1; pass softmax outputs (each row a distribution over the {k} classes).", nameof(probabilities));
        }
    }

    /// <summary>Binary: P(class 1) ≥ threshold; otherwise the argmax.</summary>
    internal static int[] Predict(float[,] probabilities, double threshold)
    {
        int n = probabilities.GetLength(0);
        bool binary = probabilities.GetLength(1) == 2;
        var predicted = new int[n];
        for (int i = 0; i < n; i++)
            predicted[i] = binary ? (probabilities[i, 1] >= threshold ? 1 : 0) : ArgMax(probabilities, i);
        return predicted;
    }

    /// <summary>The column of the largest probability in <paramref name="row"/>; the first one on a tie, as numpy's argmax.</summary>
    internal static int ArgMax(float[,] probabilities, int row)
    {
        int top = 0;
        for (int c = 1; c < probabilities.GetLength(1); c++)
            if (probabilities[row, c] > probabilities[row, top]) top = c;
        return top;
    }

    private static ClassMetrics ForClass(ConfusionMatrix confusion, int c, ScoreRanking ranking)
    {
        int tp = confusion[c, c], support = confusion.RowTotal(c), predictedCount = confusion.ColumnTotal(c);
        int fp = predictedCount - tp, fn = support - tp, tn = confusion.Total - tp - fp - fn;
        double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new ClassMetrics(c, confusion.ClassNames[c], precision, recall, Ratio(tn, tn + fp), f1, support,
            predictedCount, ranking.RocAuc(), ranking.AveragePrecision());
    }

    /// <summary>scikit-learn's zero_division=0: an empty denominator gives 0.</summary>
    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : numerator / (double)denominator;

    private static AveragedMetrics Average(ClassMetrics[] perClass, bool weighted)
    {
        double total = weighted ? perClass.Sum(c => c.Support) : perClass.Length;
        double Mean(Func<ClassMetrics, double> metric) =>
            perClass.Sum(c => metric(c) * (weighted ? c.Support : 1)) / total;
        return new AveragedMetrics(Mean(c => c.Precision), Mean(c => c.Recall), Mean(c => c.Specificity), Mean(c => c.F1));
    }

    private static int Trace(ConfusionMatrix confusion)
    {
        int sum = 0;
        for (int c = 0; c < confusion.ClassCount; c++) sum += confusion[c, c];
        return sum;
    }

    private static double LogLoss(int[] labels, float[,] probabilities)
    {
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
            sum -= Math.Log(Math.Clamp((double)probabilities[i, labels[i]], LogLossEpsilon, 1 - LogLossEpsilon));
        return sum / labels.Length;
    }

    private static double LogLossReduction(double logLoss, ClassMetrics[] perClass, int n)
    {
        double prior = 0;
        foreach (var c in perClass)
            if (c.Support > 0)
            {
                double frequency = c.Support / (double)n;
                prior -= frequency * Math.Log(Math.Clamp(frequency, LogLossEpsilon, 1 - LogLossEpsilon));
            }
        return prior == 0 ? double.NaN : (prior - logLoss) / prior;
    }

    /// <summary>scikit-learn's <c>cohen_kappa_score</c>: 1 − Σ w·observed / Σ w·expected; NaN when the expected disagreement is 0.</summary>
    private static double Kappa(ConfusionMatrix confusion, bool quadratic)
    {
        int k = confusion.ClassCount;
        var rows = Enumerable.Range(0, k).Select(confusion.RowTotal).ToArray();
        var columns = Enumerable.Range(0, k).Select(confusion.ColumnTotal).ToArray();
        double total = confusion.Total, observed = 0, expected = 0;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double weight = quadratic ? (i - j) * (i - j) : i == j ? 0 : 1;
                observed += weight * confusion[i, j];
                expected += weight * columns[i] * (double)rows[j] / total;
            }
        return expected == 0 ? double.NaN : 1 - observed / expected;
    }
}
