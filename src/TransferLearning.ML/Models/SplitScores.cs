using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Models;

/// <summary>
/// The headline metrics of one split, recorded in the model file when the model was trained (a metric that was
/// undefined on that split, e.g. ROC-AUC with one class present, is null).
/// </summary>
/// <param name="Accuracy">Fraction of images classified correctly.</param>
/// <param name="BalancedAccuracy">Mean recall over the classes.</param>
/// <param name="RocAuc">Area under the ROC curve (one-vs-rest macro average for more than two classes).</param>
/// <param name="LogLoss">Mean cross-entropy of the predicted probabilities.</param>
public sealed record SplitScores(double? Accuracy, double? BalancedAccuracy, double? RocAuc, double? LogLoss)
{
    private static readonly string[] s_names = ["accuracy", "balancedAccuracy", "rocAuc", "logLoss"];

    internal static SplitScores From(ClassificationMetrics metrics) =>
        new(Finite(metrics.Accuracy), Finite(metrics.BalancedAccuracy), Finite(metrics.RocAuc), Finite(metrics.LogLoss));

    // manifest.json keeps them as "<split>.<metric>" numbers (format version 1); undefined ones are left out
    internal IEnumerable<KeyValuePair<string, double>> ToManifest(string split)
    {
        double?[] values = [Accuracy, BalancedAccuracy, RocAuc, LogLoss];
        for (int i = 0; i < values.Length; i++)
            if (values[i] is double value) yield return new($"{split}.{s_names[i]}", value);
    }

    internal static SplitScores? FromManifest(IReadOnlyDictionary<string, double> metrics, string split)
    {
        double? Get(string name) => metrics.TryGetValue($"{split}.{name}", out double v) && double.IsFinite(v) ? v : null;
        var scores = new SplitScores(Get(s_names[0]), Get(s_names[1]), Get(s_names[2]), Get(s_names[3]));
        return scores == new SplitScores(null, null, null, null) ? null : scores;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
