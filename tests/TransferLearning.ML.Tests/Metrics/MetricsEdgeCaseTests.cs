using TransferLearning.ML.Metrics;
using TransferLearning.ML.Reporting;

namespace TransferLearning.ML.Tests.Metrics;

/// <summary>Undefined values follow scikit-learn's conventions; bad input is refused with a message that says what to fix.</summary>
public sealed class MetricsEdgeCaseTests
{
    private static readonly string[] Binary = ["NORMAL", "PNEUMONIA"];
    private static readonly MetricsOptions NoBootstrap = new() { BootstrapSamples = 0 };

    [Fact]
    public void Roc_auc_is_nan_when_the_labels_hold_one_class()
    {
        var metrics = MetricsCalculator.Compute([1, 1], new float[,] { { 0.3f, 0.7f }, { 0.6f, 0.4f } }, Binary, NoBootstrap);
        Assert.True(double.IsNaN(metrics.RocAuc));
        Assert.Equal(0.5, metrics.Accuracy);
    }

    [Fact]
    public void Multiclass_roc_auc_is_nan_when_a_class_is_absent_from_the_labels()
    {
        var probabilities = new float[,] { { 0.6f, 0.3f, 0.1f }, { 0.2f, 0.7f, 0.1f }, { 0.5f, 0.4f, 0.1f } };
        var metrics = MetricsCalculator.Compute([0, 1, 0], probabilities, ["a", "b", "c"], NoBootstrap);
        Assert.True(double.IsNaN(metrics.RocAuc));
        Assert.True(double.IsNaN(metrics.PerClass[2].RocAuc));
        Assert.Equal(1.0, metrics.PerClass[0].RocAuc, 12);
    }

    [Fact]
    public void Precision_is_zero_for_a_class_never_predicted()
    {
        var metrics = MetricsCalculator.Compute([0, 1], new float[,] { { 0.9f, 0.1f }, { 0.8f, 0.2f } }, Binary, NoBootstrap);
        Assert.Equal(0, metrics.PositivePrecision);
        Assert.Equal(0, metrics.PerClass[1].F1);
    }

    [Fact]
    public void Balanced_accuracy_averages_recall_over_present_classes_only()
    {
        // class 2 never occurs; recalls of 0 and 1 are 1 and 0.5
        var probabilities = new float[,] { { 0.8f, 0.1f, 0.1f }, { 0.1f, 0.8f, 0.1f }, { 0.1f, 0.1f, 0.8f } };
        var metrics = MetricsCalculator.Compute([0, 1, 1], probabilities, ["a", "b", "c"], NoBootstrap);
        Assert.Equal(0.75, metrics.BalancedAccuracy, 12);
        Assert.Equal(0.5, metrics.Macro.Recall, 12);  // the macro average keeps the absent class, with recall 0
    }

    [Fact]
    public void Multiclass_has_no_threshold_and_predicts_the_first_maximum()
    {
        var metrics = MetricsCalculator.Compute([1], new float[,] { { 0.4f, 0.4f, 0.2f } }, ["a", "b", "c"], NoBootstrap);
        Assert.Null(metrics.Threshold);
        Assert.Equal(1, metrics.ConfusionMatrix[1, 0]);
    }

    [Fact]
    public void Log_loss_clips_a_certain_wrong_answer_at_float32_epsilon()
    {
        var metrics = MetricsCalculator.Compute([1], new float[,] { { 1f, 0f } }, Binary, NoBootstrap);
        Assert.Equal(-Math.Log(1.0 / (1 << 23)), metrics.LogLoss, 9);
    }

    [Fact]
    public void Logits_are_refused_with_a_hint_to_apply_softmax()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MetricsCalculator.Compute([0], new float[,] { { 2.5f, -1f } }, Binary, NoBootstrap));
        Assert.Contains("softmax", error.Message);
    }

    [Fact]
    public void Rows_that_do_not_sum_to_one_are_refused_with_their_index()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MetricsCalculator.Compute([0, 1], new float[,] { { 0.5f, 0.5f }, { 0.5f, 0.2f } }, Binary, NoBootstrap));
        Assert.Contains("Row 1", error.Message);
    }

    [Fact]
    public void Labels_outside_the_classes_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MetricsCalculator.Compute([2], new float[,] { { 0.5f, 0.5f } }, Binary, NoBootstrap));
        Assert.Contains("outside the 2 classes", error.Message);
    }

    [Fact]
    public void Confusion_matrix_row_percentages_are_shares_of_the_true_class()
    {
        var matrix = new ConfusionMatrix(new[,] { { 3, 1 }, { 0, 0 } }, Binary);
        Assert.Equal(75, matrix.RowPercentage(0, 0), 12);
        Assert.Equal(25, matrix.RowPercentage(0, 1), 12);
        Assert.Equal(0, matrix.RowPercentage(1, 1));
    }

    [Fact]
    public void Confident_errors_are_the_wrong_predictions_most_confident_first()
    {
        var probabilities = new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f }, { 0.4f, 0.6f }, { 0.95f, 0.05f } };
        var errors = ConfidentError.Find([1, 1, 0, 1], probabilities, count: 5);
        Assert.Equal([3, 0, 2], errors.Select(e => e.Index));
        Assert.Equal(0.95, errors[0].Confidence, 6);
        Assert.Equal(0, errors[0].PredictedClass);
    }
}
