namespace TransferLearning.ML.Data;

/// <summary>Per-class loss weights that counter class imbalance (for a weighted cross-entropy).</summary>
public static class ClassWeights
{
    /// <summary>
    /// <c>n / (k · count_c)</c>: n samples, k classes. A balanced dataset gets weight 1 everywhere; a class with no
    /// sample gets 0.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset is empty.</exception>
    public static float[] InverseFrequency(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Count == 0) throw new ArgumentException("The dataset is empty.", nameof(dataset));
        IReadOnlyList<int> counts = dataset.ClassCounts();
        int k = counts.Count;
        return counts.Select(c => c == 0 ? 0f : (float)((double)dataset.Count / (k * c))).ToArray();
    }

    /// <summary>
    /// The "effective number of samples" weights of Cui et al. (CVPR 2019): <c>(1 − β) / (1 − β^count_c)</c>,
    /// normalised so the weights of the present classes sum to k. β → 0 gives equal weights, β → 1 inverse
    /// frequency.
    /// </summary>
    /// <param name="dataset">The training set.</param>
    /// <param name="beta">In [0, 1). Default 0.999.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is outside [0, 1).</exception>
    public static float[] EffectiveNumber(ImageDataset dataset, double beta = 0.999)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (beta is < 0 or >= 1 || double.IsNaN(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be in [0, 1).");
        IReadOnlyList<int> counts = dataset.ClassCounts();
        double[] raw = counts.Select(c => c == 0 ? 0 : (1 - beta) / (1 - Math.Pow(beta, c))).ToArray();
        double sum = raw.Sum();
        int k = counts.Count;
        return raw.Select(w => (float)(w * k / sum)).ToArray();
    }
}
