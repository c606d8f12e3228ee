namespace TransferLearning.ML.Metrics;

/// <summary>
/// Why a metric of a <see cref="ClassificationMetrics"/> is undefined: it is <see cref="double.NaN"/> (the evaluated
/// images hold one class only, …), or, for two classes, it is sensitivity or PR-AUC without a positive image or
/// specificity without a negative one (which scikit-learn's convention scores 0). Writers show these as
/// <c>null</c> (metrics.json) or "n/a" (report) with the reason, never as a number.
/// </summary>
public static class UndefinedMetrics
{
    /// <summary>
    /// The undefined top-level metrics of <paramref name="metrics"/> under their metrics.json keys (<c>rocAuc</c>,
    /// <c>sensitivity</c>, …), each with a one-sentence reason. Empty when every metric is defined.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    public static IReadOnlyDictionary<string, string> Reasons(ClassificationMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var reasons = new Dictionary<string, string>();
        var present = metrics.PerClass.Where(c => c.Support > 0).Select(c => c.Name).ToList();
        var absent = metrics.PerClass.Where(c => c.Support == 0).Select(c => c.Name).ToList();
        string classes = metrics.SampleCount == 0
            ? "there are no evaluated images"
            : present.Count == 1
                ? $"every evaluated image is of class {present[0]} (none of {string.Join(", ", absent)})"
                : absent.Count > 0 ? $"no evaluated image is of class {string.Join(", ", absent)}" : "the evaluated images do not define it";
        void Check(string key, double value, string reason)
        {
            if (!double.IsFinite(value)) reasons[key] = reason;
        }
        Check("accuracy", metrics.Accuracy, classes);
        Check("balancedAccuracy", metrics.BalancedAccuracy, classes);
        Check("rocAuc", metrics.RocAuc, $"ROC-AUC needs images of at least two classes; {classes}");
        Check("prAuc", metrics.PrAuc, $"PR-AUC needs positive and negative images; {classes}");
        Check("logLoss", metrics.LogLoss, classes);
        Check("logLossReduction", metrics.LogLossReduction, $"the log-loss reduction compares with the class prior, which needs images of at least two classes; {classes}");
        Check("cohenKappa", metrics.CohenKappa, $"kappa is undefined when labels and predictions agree by chance alone (a single class); {classes}");
        Check("quadraticWeightedKappa", metrics.QuadraticWeightedKappa, $"kappa is undefined when labels and predictions agree by chance alone (a single class); {classes}");
        Check("expectedCalibrationError", metrics.ExpectedCalibrationError, classes);
        if (metrics.IsBinary)
        {
            // scikit-learn's convention scores these 0 (zero_division) when a class is absent; a report says n/a
            string positive = metrics.ClassNames[1], negative = metrics.ClassNames[0];
            if (metrics.PerClass[1].Support == 0)
            {
                reasons["sensitivity"] = $"no evaluated image is of the positive class {positive}";
                reasons["prAuc"] = $"PR-AUC needs images of the positive class {positive}; {classes}";
            }
            else Check("sensitivity", metrics.Sensitivity, $"no evaluated image is of the positive class {positive}");
            if (metrics.PerClass[0].Support == 0) reasons["specificity"] = $"no evaluated image is of the negative class {negative}";
            else Check("specificity", metrics.Specificity, $"no evaluated image is of the negative class {negative}");
        }
        return reasons;
    }
}
