namespace TransferLearning.ML.Training.Heads;

/// <summary>
/// The new classifier put on top of a backbone: pooling, then hidden layers in order, then a dense output layer
/// with one unit per class (softmax is applied by the loss and by the exported model).
/// </summary>
/// <example>
/// The head of the pneumonia VGG16 study — Flatten → Dropout 0.3 → Dense 128 ReLU (L2 0.05) → Dropout 0.2 → Dense(classes):
/// <code>
/// new HeadOptions
/// {
///     Pooling = HeadPooling.Flatten,
///     Layers = [HeadLayer.Dropout(0.3), HeadLayer.Dense(128, l2: 0.05), HeadLayer.Dropout(0.2)],
/// }
/// </code>
/// </example>
public sealed record HeadOptions
{
    /// <summary>How the feature map is reduced to a vector. Default: <see cref="HeadPooling.GlobalAverage"/>.</summary>
    public HeadPooling Pooling { get; init; } = HeadPooling.GlobalAverage;

    /// <summary>Hidden layers between pooling and the output layer. Default: one <c>Dropout(0.2)</c>.</summary>
    public IReadOnlyList<HeadLayer> Layers { get; init; } = [HeadLayer.Dropout(0.2)];

    /// <summary>L2 penalty on the output layer's weights. Default: 0.</summary>
    public double OutputL2 { get; init; }

    /// <summary>A plain linear (softmax-regression) head with global average pooling.</summary>
    public static HeadOptions Linear { get; } = new() { Layers = [] };

    /// <summary>Throws when the options cannot build a head.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Layers is null) throw new ArgumentException("HeadOptions.Layers must not be null; use [] for a linear head.");
        if (OutputL2 < 0 || double.IsNaN(OutputL2)) throw new ArgumentException($"HeadOptions.OutputL2 must be ≥ 0 (was {OutputL2}).");
        foreach (var layer in Layers)
            if (layer is null) throw new ArgumentException("HeadOptions.Layers contains null.");
    }
}
