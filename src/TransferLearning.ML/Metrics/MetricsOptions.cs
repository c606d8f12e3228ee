namespace TransferLearning.ML.Metrics;

/// <summary>How <see cref="MetricsCalculator.Compute"/> turns probabilities into decisions and intervals.</summary>
public sealed record MetricsOptions
{
    /// <summary>
    /// Binary only: a sample is predicted positive (class index 1) when P(class 1) ≥ this value. Default 0.5.
    /// Choose one on validation data with <see cref="ThresholdSelector"/>. Ignored for more than two classes (argmax).
    /// </summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Bootstrap resamples for the confidence intervals. Default 1000; 0 computes no intervals.</summary>
    public int BootstrapSamples { get; init; } = 1000;

    /// <summary>Seed of the bootstrap's random resampling; the same seed gives the same intervals. Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Coverage of the percentile confidence intervals. Default 0.95.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>Equal-width bins of the top-label confidence for the calibration error and reliability diagram. Default 15.</summary>
    public int CalibrationBins { get; init; } = 15;

    internal void Validate()
    {
        if (!(Threshold >= 0 && Threshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "MetricsOptions.Threshold must be a probability in [0, 1] (default 0.5).");
        if (BootstrapSamples < 0)
            throw new ArgumentOutOfRangeException(nameof(BootstrapSamples), BootstrapSamples, "MetricsOptions.BootstrapSamples must be ≥ 0 (0 turns the intervals off; default 1000).");
        if (!(ConfidenceLevel > 0 && ConfidenceLevel < 1))
            throw new ArgumentOutOfRangeException(nameof(ConfidenceLevel), ConfidenceLevel, "MetricsOptions.ConfidenceLevel must be in (0, 1), e.g. 0.95.");
        if (CalibrationBins < 1)
            throw new ArgumentOutOfRangeException(nameof(CalibrationBins), CalibrationBins, "MetricsOptions.CalibrationBins must be ≥ 1 (default 15).");
    }
}
