namespace TransferLearning.ML.Metrics;

/// <summary>
/// How a classifier did on a labelled set, in the terms clinicians use (sensitivity, specificity, ROC-AUC) as well
/// as accuracy. Computed by <see cref="MetricsCalculator.Compute"/>; every value follows scikit-learn's definition
/// (see docs/metrics-and-report.md). ML.NET evaluator names are provided as aliases.
/// </summary>
public sealed class ClassificationMetrics
{
    /// <summary>Class names, in index order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Number of evaluated samples.</summary>
    public required int SampleCount { get; init; }

    /// <summary>
    /// Binary: the decision threshold on P(class 1) that produced the predictions (default 0.5). Null for more
    /// than two classes, where the prediction is the argmax.
    /// </summary>
    public required double? Threshold { get; init; }

    /// <summary>Share of samples predicted right (scikit-learn <c>accuracy_score</c>; ML.NET MicroAccuracy).</summary>
    public required double Accuracy { get; init; }

    /// <summary>
    /// Mean recall over the classes present in the labels (scikit-learn <c>balanced_accuracy_score</c>;
    /// ML.NET MacroAccuracy). Robust to class imbalance: 0.5 for a binary classifier that always says "normal".
    /// </summary>
    public required double BalancedAccuracy { get; init; }

    /// <summary>Per-class (one-vs-rest) precision, recall, specificity, F1, support and AUCs.</summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>Unweighted mean of the per-class metrics over all K classes.</summary>
    public required AveragedMetrics Macro { get; init; }

    /// <summary>Support-weighted mean of the per-class metrics.</summary>
    public required AveragedMetrics Weighted { get; init; }

    /// <summary>
    /// ROC-AUC: binary, of P(class 1); multiclass, the unweighted mean of the one-vs-rest AUCs (scikit-learn
    /// <c>roc_auc_score(multi_class='ovr', average='macro')</c>). <see cref="double.NaN"/> when a class has no
    /// sample or all samples (scikit-learn raises there).
    /// </summary>
    public required double RocAuc { get; init; }

    /// <summary>
    /// Area under the precision-recall curve as average precision (scikit-learn <c>average_precision_score</c>):
    /// binary, of class 1; multiclass, the macro mean of the one-vs-rest values.
    /// </summary>
    public required double PrAuc { get; init; }

    /// <summary>
    /// Mean negative log-probability of the true class, probabilities clipped to [ε, 1 − ε] with ε the float32
    /// machine epsilon (scikit-learn ≥ 1.3 <c>log_loss</c> on float32 probabilities). Lower is better.
    /// </summary>
    public required double LogLoss { get; init; }

    /// <summary>
    /// ML.NET's LogLossReduction: (L₀ − <see cref="LogLoss"/>) / L₀, where L₀ is the log loss of always predicting the
    /// label frequencies of this set. 1 is perfect, 0 no better than the prior; <see cref="double.NaN"/> with one class.
    /// </summary>
    public required double LogLossReduction { get; init; }

    /// <summary>Cohen's kappa of predictions vs labels (scikit-learn <c>cohen_kappa_score</c>): agreement beyond chance.</summary>
    public required double CohenKappa { get; init; }

    /// <summary>
    /// Cohen's kappa with quadratic weights (i − j)² (<c>cohen_kappa_score(weights='quadratic')</c>), the usual
    /// score for ordinal grades such as diabetic-retinopathy stages: far misses cost more than near ones.
    /// </summary>
    public required double QuadraticWeightedKappa { get; init; }

    /// <summary>
    /// Expected calibration error: Σ |Bᵦ|/N · |accuracy(Bᵦ) − mean confidence(Bᵦ)| over equal-width bins of the
    /// largest probability (default 15, see <see cref="Calibration"/>), accuracy of the argmax class. 0 is perfectly calibrated.
    /// </summary>
    public required double ExpectedCalibrationError { get; init; }

    /// <summary>The bins behind <see cref="ExpectedCalibrationError"/>, for the reliability diagram.</summary>
    public required IReadOnlyList<CalibrationBin> Calibration { get; init; }

    /// <summary>Counts of (true, predicted) classes; rows are true classes.</summary>
    public required ConfusionMatrix ConfusionMatrix { get; init; }

    /// <summary>ROC curves: binary, one curve of class 1; multiclass, one one-vs-rest curve per class.</summary>
    public required IReadOnlyList<RocCurve> RocCurves { get; init; }

    /// <summary>Bootstrap confidence intervals, or null when <see cref="MetricsOptions.BootstrapSamples"/> is 0.</summary>
    public required BootstrapIntervals? ConfidenceIntervals { get; init; }

    /// <summary>Whether there are exactly two classes (class 1 is the positive one).</summary>
    public bool IsBinary => ClassNames.Count == 2;

    /// <summary>Binary: recall of class 1 (the share of diseased cases found); <see cref="double.NaN"/> for multiclass.</summary>
    public double Sensitivity => IsBinary ? PerClass[1].Recall : double.NaN;

    /// <summary>Binary: specificity of class 1 (the share of healthy cases cleared); <see cref="double.NaN"/> for multiclass.</summary>
    public double Specificity => IsBinary ? PerClass[1].Specificity : double.NaN;

    /// <summary>ML.NET alias of <see cref="Accuracy"/>.</summary>
    public double MicroAccuracy => Accuracy;

    /// <summary>ML.NET alias of <see cref="BalancedAccuracy"/>.</summary>
    public double MacroAccuracy => BalancedAccuracy;

    /// <summary>ML.NET alias of <see cref="RocAuc"/>.</summary>
    public double AreaUnderRocCurve => RocAuc;

    /// <summary>
    /// ML.NET alias of <see cref="PrAuc"/>. Note: computed as scikit-learn's average precision, which can differ
    /// slightly from ML.NET's own estimate.
    /// </summary>
    public double AreaUnderPrecisionRecallCurve => PrAuc;

    /// <summary>ML.NET binary PositivePrecision: precision of class 1; <see cref="double.NaN"/> for multiclass.</summary>
    public double PositivePrecision => IsBinary ? PerClass[1].Precision : double.NaN;

    /// <summary>ML.NET binary PositiveRecall: recall of class 1; <see cref="double.NaN"/> for multiclass.</summary>
    public double PositiveRecall => IsBinary ? PerClass[1].Recall : double.NaN;

    /// <summary>ML.NET binary NegativePrecision: precision of class 0; <see cref="double.NaN"/> for multiclass.</summary>
    public double NegativePrecision => IsBinary ? PerClass[0].Precision : double.NaN;

    /// <summary>ML.NET binary NegativeRecall: recall of class 0 (= specificity of class 1); <see cref="double.NaN"/> for multiclass.</summary>
    public double NegativeRecall => IsBinary ? PerClass[0].Recall : double.NaN;

    /// <summary>ML.NET binary F1Score: F1 of class 1; for multiclass the macro F1.</summary>
    public double F1Score => IsBinary ? PerClass[1].F1 : Macro.F1;
}
