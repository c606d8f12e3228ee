using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Training;

/// <summary>
/// One metric over the folds of a cross-validation: each fold's value on the images it held out, their mean and
/// standard deviation, and a 95 % Student-t interval for the mean (<c>mean ± t(0.975, n−1)·sd/√n</c> over the n folds
/// where the metric is defined, clipped to the metric's range). The interval describes how the estimate would vary with other folds of the same
/// data; it is narrow when the folds agree, and says nothing about images from another hospital.
/// </summary>
/// <param name="Name">The metric's name as in <c>metrics.json</c> (e.g. <c>accuracy</c>, <c>rocAuc</c>).</param>
/// <param name="PerFold">The value on each fold's held-out images (NaN where it is undefined there).</param>
/// <param name="Mean">Mean of the defined fold values (NaN when none is).</param>
/// <param name="StandardDeviation">Sample standard deviation of the defined fold values (NaN with fewer than two).</param>
/// <param name="Interval">95 % Student-t interval of the mean (undefined with fewer than two defined folds).</param>
public sealed record CrossValidatedMetric(string Name, IReadOnlyList<double> PerFold, double Mean, double StandardDeviation, ConfidenceInterval Interval)
{
    /// <summary>The summary of <paramref name="perFold"/>; the interval is clipped to the metric's range [min, max].</summary>
    internal static CrossValidatedMetric From(string name, IReadOnlyList<double> perFold, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var defined = perFold.Where(double.IsFinite).ToArray();
        if (defined.Length == 0) return new(name, perFold, double.NaN, double.NaN, ConfidenceInterval.Undefined);
        double mean = defined.Average();
        if (defined.Length == 1) return new(name, perFold, mean, double.NaN, ConfidenceInterval.Undefined);
        double variance = defined.Sum(v => (v - mean) * (v - mean)) / (defined.Length - 1);
        double sd = Math.Sqrt(variance);
        double half = StudentT975(defined.Length - 1) * sd / Math.Sqrt(defined.Length);
        return new(name, perFold, mean, sd, new ConfidenceInterval(Math.Max(min, mean - half), Math.Min(max, mean + half)));
    }

    // two-sided 95 % quantiles of Student's t (t(0.975, df)) for df = 1..30; beyond, the normal quantile is within 1 %
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    internal static double StudentT975(int degreesOfFreedom) =>
        degreesOfFreedom < 1 ? double.NaN : degreesOfFreedom <= T975.Length ? T975[degreesOfFreedom - 1] : 1.960;

    /// <inheritdoc />
    public override string ToString() => double.IsNaN(Interval.Lower)
        ? FormattableString.Invariant($"{Name} {Mean:F4}")
        : FormattableString.Invariant($"{Name} {Mean:F4} ± {StandardDeviation:F4} (95% CI {Interval.Lower:F4}–{Interval.Upper:F4})");
}
