using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Tests.Metrics;

/// <summary>Every metric equals scikit-learn's value on the committed fixtures (scripts/make-metric-fixtures.py).</summary>
public sealed class MetricsCalculatorTests
{
    private const double Tolerance = 1e-6;

    private static (MetricFixture Fixture, ClassificationMetrics Metrics) Evaluate(string name)
    {
        var fixture = MetricFixture.Load(name);
        var metrics = MetricsCalculator.Compute(fixture.Labels, fixture.ProbabilityMatrix(), fixture.ClassNames,
            new MetricsOptions { Threshold = fixture.Threshold, BootstrapSamples = 0 });
        return (fixture, metrics);
    }

    private static void Near(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{what}: scikit-learn {expected:R}, ours {actual:R}");

    private static void Near(double[] expected, Func<int, double> actual, string what)
    {
        for (int c = 0; c < expected.Length; c++) Near(expected[c], actual(c), $"{what}[{c}]");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Accuracy_and_balanced_accuracy_match_scikit_learn(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.Accuracy, m.Accuracy, "accuracy");
        Near(f.Expected.BalancedAccuracy, m.BalancedAccuracy, "balanced_accuracy");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Confusion_matrix_matches_scikit_learn_with_true_classes_as_rows(string name)
    {
        var (f, m) = Evaluate(name);
        Assert.Equal(f.Expected.ConfusionMatrix, m.ConfusionMatrix.ToRows());
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Per_class_precision_recall_f1_and_support_match_scikit_learn(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.Precision, c => m.PerClass[c].Precision, "precision");
        Near(f.Expected.Recall, c => m.PerClass[c].Recall, "recall");
        Near(f.Expected.F1, c => m.PerClass[c].F1, "f1");
        Assert.Equal(f.Expected.Support, m.PerClass.Select(c => c.Support));
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Per_class_specificity_matches_the_confusion_matrix(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.Specificity, c => m.PerClass[c].Specificity, "specificity");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Macro_and_weighted_averages_match_scikit_learn(string name)
    {
        var (f, m) = Evaluate(name);
        foreach (var (expected, actual, label) in new[] { (f.Expected.Macro, m.Macro, "macro"), (f.Expected.Weighted, m.Weighted, "weighted") })
        {
            Near(expected.Precision, actual.Precision, label + " precision");
            Near(expected.Recall, actual.Recall, label + " recall");
            Near(expected.F1, actual.F1, label + " f1");
            Near(expected.Specificity, actual.Specificity, label + " specificity");
        }
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Roc_auc_matches_scikit_learn_one_vs_rest_macro(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.RocAuc, m.RocAuc, "roc_auc");
        Near(f.Expected.RocAucPerClass, c => m.PerClass[c].RocAuc, "roc_auc per class");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Pr_auc_matches_scikit_learn_average_precision(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.AveragePrecision, m.PrAuc, "average_precision");
        Near(f.Expected.AveragePrecisionPerClass, c => m.PerClass[c].AveragePrecision, "average_precision per class");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Log_loss_matches_scikit_learn_with_float32_clipping(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.LogLoss, m.LogLoss, "log_loss");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Cohen_kappa_plain_and_quadratic_match_scikit_learn(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.CohenKappa, m.CohenKappa, "cohen_kappa");
        Near(f.Expected.QuadraticKappa, m.QuadraticWeightedKappa, "quadratic kappa");
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Expected_calibration_error_matches_the_reference_implementation(string name)
    {
        var (f, m) = Evaluate(name);
        Near(f.Expected.ExpectedCalibrationError, m.ExpectedCalibrationError, "ece");
        Assert.Equal(15, m.Calibration.Count);
        Assert.Equal(m.SampleCount, m.Calibration.Sum(b => b.Count));
    }

    [Theory]
    [MemberData(nameof(MetricFixture.Binary), MemberType = typeof(MetricFixture))]
    public void Binary_predictions_use_the_threshold_on_the_positive_class(string name)
    {
        var (f, m) = Evaluate(name);
        Assert.Equal(f.Threshold, m.Threshold);
        int predictedPositive = f.Probabilities.Count(row => (float)row[1] >= f.Threshold);
        Assert.Equal(predictedPositive, m.ConfusionMatrix.ColumnTotal(1));
    }

    [Fact]
    public void A_class_that_is_never_predicted_has_precision_and_f1_zero()
    {
        var (_, m) = Evaluate("multiclass-5-never-predicted");
        var never = m.PerClass[4];
        Assert.Equal(0, never.PredictedCount);
        Assert.True(never.Support > 0);
        Assert.Equal(0, never.Precision);
        Assert.Equal(0, never.F1);
    }

    [Fact]
    public void Ml_net_names_are_aliases_of_the_binary_metrics()
    {
        var (_, m) = Evaluate("binary");
        Assert.Equal(m.Accuracy, m.MicroAccuracy);
        Assert.Equal(m.BalancedAccuracy, m.MacroAccuracy);
        Assert.Equal(m.RocAuc, m.AreaUnderRocCurve);
        Assert.Equal(m.PrAuc, m.AreaUnderPrecisionRecallCurve);
        Assert.Equal(m.PerClass[1].Precision, m.PositivePrecision);
        Assert.Equal(m.PerClass[1].Recall, m.PositiveRecall);
        Assert.Equal(m.PerClass[0].Precision, m.NegativePrecision);
        Assert.Equal(m.PerClass[1].Specificity, m.NegativeRecall, 12);
        Assert.Equal(m.PerClass[1].F1, m.F1Score);
    }

    [Fact]
    public void Log_loss_reduction_is_relative_to_predicting_the_class_frequencies()
    {
        var (_, m) = Evaluate("multiclass-3");
        double prior = -m.PerClass.Sum(c => c.Support / (double)m.SampleCount * Math.Log(c.Support / (double)m.SampleCount));
        Assert.Equal((prior - m.LogLoss) / prior, m.LogLossReduction, 12);
        Assert.InRange(m.LogLossReduction, 0.05, 1);
    }
}
