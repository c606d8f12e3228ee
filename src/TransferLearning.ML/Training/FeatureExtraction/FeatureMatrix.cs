namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Features of a split held in memory: <see cref="Views"/> views per image (the original first, then augmented
/// ones), each row <see cref="Width"/> floats. Row of (view v, image i) starts at <c>(v · Count + i) · Width</c>.
/// </summary>
internal sealed record FeatureMatrix(float[] Values, int[] Labels, int Count, int Width, int Views)
{
    public ReadOnlySpan<float> Row(int view, int image) => Values.AsSpan((view * Count + image) * Width, Width);
}
