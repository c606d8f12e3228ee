using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Tests.Metrics;

public sealed class RocCurveTests
{
    [Theory]
    [MemberData(nameof(MetricFixture.Binary), MemberType = typeof(MetricFixture))]
    public void Points_match_scikit_learn_roc_curve_without_dropping_intermediates(string name)
    {
        var fixture = MetricFixture.Load(name);
        var expected = fixture.Expected.RocCurve!;
        var curve = RocCurve.Compute(fixture.Labels, fixture.Column(1));

        Assert.Equal(expected.Thresholds.Length, curve.Thresholds.Count);
        Assert.Equal(double.PositiveInfinity, curve.Thresholds[0]);
        for (int i = 0; i < expected.Thresholds.Length; i++)
        {
            Assert.Equal(expected.Thresholds[i], curve.Thresholds[i]);
            Assert.Equal(expected.Fpr[i], curve.FalsePositiveRates[i], 1e-12);
            Assert.Equal(expected.Tpr[i], curve.TruePositiveRates[i], 1e-12);
        }
        Assert.Equal(fixture.Expected.RocAuc, curve.Area, 1e-9);
    }

    [Fact]
    public void Area_is_undefined_when_only_one_class_is_present()
    {
        var curve = RocCurve.Compute([1, 1, 1], [0.2f, 0.5f, 0.9f]);
        Assert.True(double.IsNaN(curve.Area));
        Assert.All(curve.FalsePositiveRates, fpr => Assert.True(double.IsNaN(fpr)));
    }

    [Fact]
    public void Tied_scores_form_one_point_and_count_half()
    {
        // one positive and one negative at the same score: the diagonal, AUC 0.5
        var curve = RocCurve.Compute([0, 1], [0.7f, 0.7f]);
        Assert.Equal([double.PositiveInfinity, 0.7f], curve.Thresholds);
        Assert.Equal(0.5, curve.Area, 12);
    }

    [Fact]
    public void Positive_label_selects_the_class_for_one_vs_rest()
    {
        // class 2 scores highest on its own samples: a perfect one-vs-rest ranking
        var curve = RocCurve.Compute([0, 2, 1, 2], [0.1f, 0.8f, 0.3f, 0.9f], positiveLabel: 2);
        Assert.Equal(2, curve.PositiveCount);
        Assert.Equal(2, curve.NegativeCount);
        Assert.Equal(1.0, curve.Area, 12);
    }

    [Fact]
    public void Non_finite_scores_are_rejected_with_their_index()
    {
        var error = Assert.Throws<ArgumentException>(() => RocCurve.Compute([0, 1], [0.1f, float.NaN]));
        Assert.Contains("score 1", error.Message);
    }

    [Fact]
    public void Precision_recall_curve_area_is_the_average_precision_of_the_metrics()
    {
        var fixture = MetricFixture.Load("binary");
        var curve = PrecisionRecallCurve.Compute(fixture.Labels, fixture.Column(1));
        Assert.Equal(fixture.Expected.AveragePrecision, curve.AveragePrecision, 1e-9);
        Assert.Equal(1.0, curve.Recall[^1], 12);
        Assert.Equal(fixture.Labels.Count(l => l == 1) / (double)fixture.Labels.Length, curve.Precision[^1], 12);
    }

    [Fact]
    public void Average_precision_is_zero_without_positives_as_in_scikit_learn()
    {
        var curve = PrecisionRecallCurve.Compute([0, 0, 0], [0.2f, 0.5f, 0.9f]);
        Assert.Equal(0, curve.AveragePrecision);
    }
}
