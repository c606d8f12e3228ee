namespace TransferLearning.ML.Metrics;

/// <summary>One class against the rest (one-vs-rest): how well the classifier finds it and avoids false alarms.</summary>
/// <param name="Index">The class index (column of the probabilities).</param>
/// <param name="Name">The class name.</param>
/// <param name="Precision">TP / (TP + FP), positive predictive value; 0 when the class is never predicted (scikit-learn's zero_division=0).</param>
/// <param name="Recall">TP / (TP + FN), sensitivity; 0 when the class is absent.</param>
/// <param name="Specificity">TN / (TN + FP); 0 when every sample belongs to the class.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">Number of samples whose true label is this class.</param>
/// <param name="PredictedCount">Number of samples predicted as this class.</param>
/// <param name="RocAuc">One-vs-rest ROC-AUC of this class's probability column; <see cref="double.NaN"/> when the class is absent or is every sample.</param>
/// <param name="AveragePrecision">One-vs-rest average precision of this class's probability column; 0 when the class is absent.</param>
public sealed record ClassMetrics(
    int Index,
    string Name,
    double Precision,
    double Recall,
    double Specificity,
    double F1,
    int Support,
    int PredictedCount,
    double RocAuc,
    double AveragePrecision)
{
    /// <summary>The same as <see cref="Recall"/>: the share of this class's samples that are found.</summary>
    public double Sensitivity => Recall;
}
