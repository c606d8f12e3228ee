using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Training;

/// <summary>
/// What <see cref="TransferLearner.CrossValidate"/> measured: k models, each scored on the fold it did not see, and
/// the metrics over the folds. Where the images carry groups (<see cref="ImageSample.Group"/>, e.g. the patient) every
/// group lies in one fold, so each score is that of patients the model never saw.
/// </summary>
public sealed class CrossValidationResult
{
    /// <summary>The folds, in order.</summary>
    public required IReadOnlyList<CrossValidationFold> Folds { get; init; }

    /// <summary>The images that were divided into folds.</summary>
    public required ImageDataset Images { get; init; }

    /// <summary>Whether folds kept groups whole (the images carry groups); false: images were dealt one by one.</summary>
    public required bool ByGroup { get; init; }

    /// <summary>Distinct groups among the images (each image without a group counts as its own).</summary>
    public required int GroupCount { get; init; }

    /// <summary>
    /// Out-of-fold scores: every image's class probabilities from the model of the fold that held it out; rows index
    /// <see cref="Images"/> (<see cref="ScoredSplit.SampleIndices"/>). Images left out as unreadable have no row.
    /// </summary>
    public required ScoredSplit OutOfFold { get; init; }

    /// <summary>Wall time of the whole cross-validation.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The recipe's and run's configuration, as a training run's <see cref="TrainingResult.Configuration"/>.</summary>
    public required IReadOnlyDictionary<string, string> Configuration { get; init; }

    /// <summary>Accuracy over the folds.</summary>
    public CrossValidatedMetric Accuracy => Summarise("accuracy", m => m.Accuracy, 0, 1);

    /// <summary>Balanced accuracy (mean per-class recall) over the folds.</summary>
    public CrossValidatedMetric BalancedAccuracy => Summarise("balancedAccuracy", m => m.BalancedAccuracy, 0, 1);

    /// <summary>ROC-AUC (macro one-vs-rest for more than two classes) over the folds.</summary>
    public CrossValidatedMetric RocAuc => Summarise("rocAuc", m => m.RocAuc, 0, 1);

    /// <summary>Log-loss over the folds.</summary>
    public CrossValidatedMetric LogLoss => Summarise("logLoss", m => m.LogLoss, 0, double.PositiveInfinity);

    /// <summary>Sensitivity (recall of class 1) over the folds; NaN per fold for more than two classes.</summary>
    public CrossValidatedMetric Sensitivity => Summarise("sensitivity", m => m.Sensitivity, 0, 1);

    /// <summary>Specificity (recall of class 0) over the folds; NaN per fold for more than two classes.</summary>
    public CrossValidatedMetric Specificity => Summarise("specificity", m => m.Specificity, 0, 1);

    /// <summary>Macro F1 over the folds.</summary>
    public CrossValidatedMetric MacroF1 => Summarise("macroF1", m => m.Macro.F1, 0, 1);

    /// <summary>Quadratic weighted kappa over the folds (for ordinal classes such as retinopathy grades).</summary>
    public CrossValidatedMetric QuadraticWeightedKappa => Summarise("quadraticWeightedKappa", m => m.QuadraticWeightedKappa, -1, 1);

    /// <summary>The summaries above, in that order (sensitivity and specificity only for two classes).</summary>
    public IReadOnlyList<CrossValidatedMetric> Summary =>
        Images.ClassNames.Count == 2
            ? [Accuracy, BalancedAccuracy, RocAuc, LogLoss, Sensitivity, Specificity, MacroF1]
            : [Accuracy, BalancedAccuracy, RocAuc, LogLoss, MacroF1, QuadraticWeightedKappa];

    /// <summary>Any metric of the folds' <see cref="ClassificationMetrics"/>, summarised.</summary>
    public CrossValidatedMetric Metric(string name, Func<ClassificationMetrics, double> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Summarise(name, value, double.NegativeInfinity, double.PositiveInfinity);
    }

    private CrossValidatedMetric Summarise(string name, Func<ClassificationMetrics, double> value, double min, double max) =>
        CrossValidatedMetric.From(name, Folds.Select(f => value(f.Metrics)).ToArray(), min, max);
}
