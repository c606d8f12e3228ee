namespace TransferLearning.ML.Metrics;

/// <summary>A two-sided confidence interval; both bounds are <see cref="double.NaN"/> when it could not be estimated.</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
public sealed record ConfidenceInterval(double Lower, double Upper)
{
    /// <summary>An interval that could not be estimated.</summary>
    public static ConfidenceInterval Undefined { get; } = new(double.NaN, double.NaN);

    /// <summary>Whether <paramref name="value"/> lies within the bounds (inclusive); false for an undefined interval.</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>Upper − Lower.</summary>
    public double Width => Upper - Lower;
}
