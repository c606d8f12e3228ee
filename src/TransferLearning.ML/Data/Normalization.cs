namespace TransferLearning.ML.Data;

/// <summary>
/// Per-channel normalisation applied to pixel values first scaled to [0, 1]: <c>(v − Mean[c]) / Std[c]</c>.
/// Channel <c>c</c> is in the tensor's <see cref="ChannelOrder"/>.
/// </summary>
/// <param name="Mean">Mean per channel (1 or 3 values; a single value applies to every channel).</param>
/// <param name="Std">Standard deviation per channel (1 or 3 values, all positive).</param>
public sealed record Normalization(IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>ImageNet statistics (torchvision): mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225) in RGB order.</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Values in [0, 1] (mean 0, std 1).</summary>
    public static Normalization ZeroToOne { get; } = new([0f], [1f]);

    /// <summary>Values in [−1, 1] (mean 0.5, std 0.5; Inception/MobileNet "tf" preprocessing in Keras).</summary>
    public static Normalization MinusOneToOne { get; } = new([0.5f], [0.5f]);

    /// <summary>The mean for channel <paramref name="channel"/>.</summary>
    public float MeanOf(int channel) => Mean.Count == 1 ? Mean[0] : Mean[channel];

    /// <summary>The standard deviation for channel <paramref name="channel"/>.</summary>
    public float StdOf(int channel) => Std.Count == 1 ? Std[0] : Std[channel];

    /// <summary>The same statistics in the reverse channel order (for <see cref="ChannelOrder.BGR"/>).</summary>
    public Normalization Reversed() => new(Mean.Reverse().ToArray(), Std.Reverse().ToArray());
}
