namespace TransferLearning.ML.Training.Heads;

/// <summary>One hidden layer of a classifier head: a dropout or a dense layer with ReLU.</summary>
public abstract record HeadLayer
{
    private HeadLayer() { }

    /// <summary>Dropout with probability <paramref name="Rate"/> (active in training only).</summary>
    public sealed record DropoutLayer(double Rate) : HeadLayer;

    /// <summary>A dense layer of <paramref name="Units"/> units followed by ReLU, with an L2 penalty
    /// <paramref name="L2"/>·Σw² on its weights added to the loss (Keras' <c>kernel_regularizer=l2(L2)</c>).</summary>
    public sealed record DenseLayer(int Units, double L2 = 0) : HeadLayer;

    /// <summary>Dropout with probability <paramref name="rate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is not in [0, 1).</exception>
    public static HeadLayer Dropout(double rate)
    {
        if (rate is < 0 or >= 1 || double.IsNaN(rate))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A dropout rate must be in [0, 1), e.g. 0.3.");
        return new DropoutLayer(rate);
    }

    /// <summary>Dense(<paramref name="units"/>) + ReLU with L2 penalty <paramref name="l2"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not positive or <paramref name="l2"/> is negative.</exception>
    public static HeadLayer Dense(int units, double l2 = 0)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), units, "A dense layer needs at least one unit, e.g. 128.");
        if (l2 < 0 || double.IsNaN(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "An L2 penalty must be ≥ 0, e.g. 0.05.");
        return new DenseLayer(units, l2);
    }
}
