namespace TransferLearning.ML.Metrics;

/// <summary>
/// Percentile bootstrap of the headline metrics. A resample is a multiplicity per sample (how often it was drawn),
/// so the score rankings are sorted once and every resample costs O(N·K) without allocation.
/// </summary>
internal sealed class BootstrapResampler(int[] labels, int[] predicted, ScoreRanking[] rankings, int classCount)
{
    public BootstrapIntervals Run(MetricsOptions options, CancellationToken cancellationToken)
    {
        int n = labels.Length, replicates = options.BootstrapSamples;
        bool binary = classCount == 2;
        var accuracy = new List<double>(replicates);
        var balanced = new List<double>(replicates);
        var auc = new List<double>(replicates);
        var sensitivity = new List<double>(replicates);
        var specificity = new List<double>(replicates);

        var random = new Random(options.Seed);
        var multiplicity = new int[n];
        var support = new double[classCount];
        var hits = new double[classCount];
        for (int r = 0; r < replicates; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Array.Clear(multiplicity);
            for (int j = 0; j < n; j++) multiplicity[random.Next(n)]++;

            Array.Clear(support);
            Array.Clear(hits);
            double correct = 0;
            for (int i = 0; i < n; i++)
            {
                int m = multiplicity[i];
                if (m == 0) continue;
                support[labels[i]] += m;
                if (predicted[i] == labels[i]) { hits[labels[i]] += m; correct += m; }
            }
            accuracy.Add(correct / n);
            balanced.Add(MeanRecall(support, hits));
            auc.Add(Auc(multiplicity));
            if (binary)
            {
                sensitivity.Add(support[1] == 0 ? double.NaN : hits[1] / support[1]);
                specificity.Add(support[0] == 0 ? double.NaN : hits[0] / support[0]);
            }
        }

        double level = options.ConfidenceLevel;
        return new BootstrapIntervals(replicates, options.Seed, level,
            Percentiles(accuracy, level), Percentiles(balanced, level), Percentiles(auc, level),
            binary ? Percentiles(sensitivity, level) : null,
            binary ? Percentiles(specificity, level) : null);
    }

    private static double MeanRecall(double[] support, double[] hits)
    {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < support.Length; c++)
            if (support[c] > 0) { sum += hits[c] / support[c]; present++; }
        return sum / present;
    }

    private double Auc(int[] multiplicity)
    {
        double sum = 0;
        foreach (var ranking in rankings) sum += ranking.RocAuc(multiplicity);  // NaN if a class went missing
        return sum / rankings.Length;
    }

    /// <summary>The central <paramref name="level"/> interval of the defined values, as numpy's linear percentile.</summary>
    internal static ConfidenceInterval Percentiles(List<double> values, double level)
    {
        var defined = values.Where(double.IsFinite).ToArray();
        if (defined.Length == 0) return ConfidenceInterval.Undefined;
        Array.Sort(defined);
        double tail = (1 - level) / 2;
        return new ConfidenceInterval(Percentile(defined, tail), Percentile(defined, 1 - tail));
    }

    private static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }
}
