using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Tests.Metrics;

public sealed class ThresholdSelectorTests
{
    private static double Expected(MetricFixture fixture, string key) =>
        fixture.Expected.Thresholds![key] ?? throw new InvalidDataException($"{fixture.Name}: no {key}");

    [Fact]
    public void Youden_threshold_matches_argmax_of_tpr_minus_fpr_over_scikit_learn_roc_curve()
    {
        var fixture = MetricFixture.Load("binary");
        Assert.Equal(Expected(fixture, "youden"), ThresholdSelector.YoudenJ(fixture.Labels, fixture.Column(1)));
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    public void Sensitivity_target_gives_the_highest_threshold_that_reaches_it(double target)
    {
        var fixture = MetricFixture.Load("binary");
        double threshold = ThresholdSelector.ForSensitivity(fixture.Labels, fixture.Column(1), target);
        Assert.Equal(Expected(fixture, $"sensitivity_{target}"), threshold);
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    public void Specificity_target_gives_the_lowest_threshold_that_keeps_it(double target)
    {
        var fixture = MetricFixture.Load("binary");
        double threshold = ThresholdSelector.ForSpecificity(fixture.Labels, fixture.Column(1), target);
        Assert.Equal(Expected(fixture, $"specificity_{target}"), threshold);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.625)]
    [InlineData(0.9)]
    public void Prevalence_threshold_matches_argmax_of_weighted_accuracy_over_scikit_learn_roc_curve(double prevalence)
    {
        var fixture = MetricFixture.Load("binary");
        double threshold = ThresholdSelector.ForPrevalence(fixture.Labels, fixture.Column(1), prevalence);
        Assert.Equal(Expected(fixture, $"prevalence_{prevalence}"), threshold);
    }

    [Fact]
    public void Prevalence_one_half_is_youden()
    {
        var fixture = MetricFixture.Load("binary");
        Assert.Equal(ThresholdSelector.YoudenJ(fixture.Labels, fixture.Column(1)),
            ThresholdSelector.ForPrevalence(fixture.Labels, fixture.Column(1), 0.5));
    }

    [Fact]
    public void Chosen_sensitivity_threshold_reaches_the_target_in_the_metrics()
    {
        var fixture = MetricFixture.Load("binary");
        double threshold = ThresholdSelector.ForSensitivity(fixture.Labels, fixture.Column(1), 0.9);
        var metrics = MetricsCalculator.Compute(fixture.Labels, fixture.ProbabilityMatrix(), fixture.ClassNames,
            new MetricsOptions { Threshold = threshold, BootstrapSamples = 0 });
        Assert.True(metrics.Sensitivity >= 0.9, $"sensitivity {metrics.Sensitivity} at threshold {threshold}");
    }

    [Fact]
    public void Youden_ties_go_to_the_highest_threshold()
    {
        // thresholds 0.8 and 0.4 both give J = 0.5; 0.8 is chosen
        int[] labels = [1, 0, 1, 0];
        float[] scores = [0.8f, 0.6f, 0.4f, 0.2f];
        Assert.Equal(0.8f, ThresholdSelector.YoudenJ(labels, scores));
    }

    [Fact]
    public void Sensitivity_ties_go_to_the_highest_threshold()
    {
        // both 0.7 and 0.5 find the only positive; 0.7 has fewer false positives
        Assert.Equal(0.7f, ThresholdSelector.ForSensitivity([0, 1, 0], [0.9f, 0.7f, 0.5f], 1.0));
    }

    [Fact]
    public void An_unreachable_specificity_calls_nothing_positive()
    {
        // the top score is a negative: only a threshold above it has specificity 1
        double threshold = ThresholdSelector.ForSpecificity([0, 1], [0.9f, 0.3f], 1.0);
        Assert.True(threshold > 0.9f);
        Assert.True(threshold < 0.9f + 1e-6);
    }

    [Fact]
    public void Youden_needs_both_classes()
    {
        var error = Assert.Throws<ArgumentException>(() => ThresholdSelector.YoudenJ([1, 1], [0.3f, 0.4f]));
        Assert.Contains("negative", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Targets_outside_zero_to_one_are_rejected(double target)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdSelector.ForSensitivity([0, 1], [0.1f, 0.9f], target));
    }
}
