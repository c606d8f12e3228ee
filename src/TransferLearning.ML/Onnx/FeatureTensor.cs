namespace TransferLearning.ML.Onnx;

/// <summary>
/// The tensor of a backbone that feeds its classifier: what feature extraction outputs and what a new head reads.
/// </summary>
/// <param name="Name">The tensor's name in the graph. For an int8 (QLinear) graph this is the quantized tensor;
/// <see cref="GraphSurgery.CutAt"/> then appends a <c>DequantizeLinear</c> so the cut model outputs floats.</param>
/// <param name="Shape">The shape without the batch dimension, exactly as the graph produces it: <c>[C,1,1]</c>
/// after a global average pool (so <c>Shape.Aggregate(1L, (a, b) => a * b) == C</c>), <c>[C]</c> after a
/// reduction without kept dimensions, <c>[C,H,W]</c> for a spatial map.</param>
/// <param name="Kind"><see cref="FeatureKind.Pooled"/> when every axis after the first has size 1.</param>
/// <param name="PooledName">The name of the globally pooled tensor: <paramref name="Name"/> for pooled features,
/// <see langword="null"/> for spatial ones.</param>
public sealed record FeatureTensor(string Name, long[] Shape, FeatureKind Kind, string? PooledName)
{
    /// <summary>The number of values per image (the product of <see cref="Shape"/>).</summary>
    public long Length => Shape.Aggregate(1L, (a, b) => a * b);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join("x", Shape)}] ({Kind})";
}
