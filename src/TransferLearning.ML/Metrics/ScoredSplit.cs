namespace TransferLearning.ML.Metrics;

/// <summary>
/// The class probabilities a model gave every scored image of a split, with the true labels: what metrics, curves
/// and reports are computed from. Rows are in split order; an image left out as unreadable has no row.
/// </summary>
public sealed class ScoredSplit
{
    private readonly float[,] _probabilities;
    private readonly int[] _labels;
    private readonly int[] _sampleIndices;

    internal ScoredSplit(int[] labels, float[,] probabilities, int[] sampleIndices)
    {
        if (labels.Length != probabilities.GetLength(0) || labels.Length != sampleIndices.Length)
            throw new ArgumentException($"{labels.Length} labels, {probabilities.GetLength(0)} probability rows and {sampleIndices.Length} sample indices.");
        _labels = labels;
        _probabilities = probabilities;
        _sampleIndices = sampleIndices;
    }

    /// <summary>How many images were scored.</summary>
    public int Count => _labels.Length;

    /// <summary>How many classes each row has.</summary>
    public int ClassCount => _probabilities.GetLength(1);

    /// <summary>The true label of each row.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>For each row, the index of its image in the split's <c>Samples</c>.</summary>
    public IReadOnlyList<int> SampleIndices => _sampleIndices;

    /// <summary>The probability of class <paramref name="classIndex"/> for row <paramref name="row"/>.</summary>
    public float Probability(int row, int classIndex) => _probabilities[row, classIndex];

    /// <summary>The class probabilities of row <paramref name="row"/> (a copy).</summary>
    public float[] ProbabilitiesOf(int row)
    {
        var result = new float[ClassCount];
        for (int k = 0; k < result.Length; k++) result[k] = _probabilities[row, k];
        return result;
    }

    /// <summary>All probabilities as a [rows, classes] matrix (a copy).</summary>
    public float[,] ToMatrix() => (float[,])_probabilities.Clone();

    internal int[] LabelArray => _labels;
    internal float[,] Matrix => _probabilities;
    internal int[] SampleIndexArray => _sampleIndices;
}
