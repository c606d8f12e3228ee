namespace TransferLearning.ML.Training;

/// <summary>Model selection on the validation split: which epoch's weights are kept, and when to stop.</summary>
public sealed record EarlyStoppingOptions
{
    /// <summary>The measure that decides which epoch is best. Default: <see cref="ValidationMetric.Loss"/>.</summary>
    public ValidationMetric Monitor { get; init; } = ValidationMetric.Loss;

    /// <summary>Stop after this many epochs without improvement; null never stops early. Default: null.</summary>
    public int? Patience { get; init; }

    /// <summary>Smallest change that counts as an improvement. Default: 0.</summary>
    public double MinDelta { get; init; }

    /// <summary>Whether the best epoch's weights are restored at the end. Default: true.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <exception cref="ArgumentException">Patience below 1 or a negative MinDelta.</exception>
    internal void Validate()
    {
        if (Patience is < 1) throw new ArgumentException($"EarlyStopping.Patience must be at least 1 epoch, or null to never stop early (was {Patience}).");
        if (MinDelta < 0 || double.IsNaN(MinDelta)) throw new ArgumentException($"EarlyStopping.MinDelta must be ≥ 0 (was {MinDelta}).");
    }
}
