using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Reporting;

/// <summary>A wrong prediction and how sure the model was of it; see <see cref="Find"/>.</summary>
/// <param name="Index">The sample's index in the evaluated set.</param>
/// <param name="TrueClass">Its true class index.</param>
/// <param name="PredictedClass">The predicted class index.</param>
/// <param name="Confidence">Probability given to the predicted class.</param>
public sealed record ConfidentError(int Index, int TrueClass, int PredictedClass, double Confidence)
{
    /// <summary>
    /// The <paramref name="count"/> wrong predictions with the highest probability on the predicted class, most
    /// confident first (ties by index): the images to look at, with Grad-CAM, before trusting a model.
    /// Predictions follow <see cref="MetricsCalculator.Compute"/>: threshold on class 1 for two classes, argmax otherwise.
    /// </summary>
    /// <param name="labels">True class index of each sample.</param>
    /// <param name="probabilities">N×K class probabilities.</param>
    /// <param name="count">How many to return at most; default 12.</param>
    /// <param name="threshold">Binary decision threshold on P(class 1); default 0.5.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<ConfidentError> Find(IReadOnlyList<int> labels, float[,] probabilities, int count = 12, double threshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int n = probabilities.GetLength(0);
        if (n != labels.Count)
            throw new ArgumentException($"probabilities has {n} rows but there are {labels.Count} labels; pass one row per sample.", nameof(probabilities));
        int[] predicted = MetricsCalculator.Predict(probabilities, threshold);
        var errors = new List<ConfidentError>();
        for (int i = 0; i < n; i++)
            if (predicted[i] != labels[i]) errors.Add(new ConfidentError(i, labels[i], predicted[i], probabilities[i, predicted[i]]));
        return [.. errors.OrderByDescending(e => e.Confidence).ThenBy(e => e.Index).Take(count)];
    }
}
