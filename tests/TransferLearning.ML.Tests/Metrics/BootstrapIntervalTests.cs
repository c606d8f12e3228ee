using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Tests.Metrics;

public sealed class BootstrapIntervalTests
{
    private static ClassificationMetrics Evaluate(string name, MetricsOptions options)
    {
        var fixture = MetricFixture.Load(name);
        return MetricsCalculator.Compute(fixture.Labels, fixture.ProbabilityMatrix(), fixture.ClassNames, options);
    }

    [Theory]
    [InlineData("binary")]
    [InlineData("multiclass-3")]
    public void Same_seed_gives_the_same_intervals(string name)
    {
        var first = Evaluate(name, new MetricsOptions { Seed = 7 }).ConfidenceIntervals;
        var second = Evaluate(name, new MetricsOptions { Seed = 7 }).ConfidenceIntervals;
        Assert.Equal(first, second);
    }

    [Fact]
    public void Another_seed_gives_other_intervals()
    {
        var first = Evaluate("binary", new MetricsOptions { Seed = 1 }).ConfidenceIntervals!;
        var second = Evaluate("binary", new MetricsOptions { Seed = 2 }).ConfidenceIntervals!;
        Assert.NotEqual(first.RocAuc, second.RocAuc);
    }

    [Theory]
    [MemberData(nameof(MetricFixture.All), MemberType = typeof(MetricFixture))]
    public void Intervals_contain_the_point_estimates(string name)
    {
        var metrics = Evaluate(name, new MetricsOptions());
        var ci = metrics.ConfidenceIntervals!;
        Assert.Equal(1000, ci.Samples);
        Assert.Equal(42, ci.Seed);
        Assert.True(ci.Accuracy.Contains(metrics.Accuracy), $"accuracy {metrics.Accuracy} outside {ci.Accuracy}");
        Assert.True(ci.BalancedAccuracy.Contains(metrics.BalancedAccuracy), $"balanced accuracy outside {ci.BalancedAccuracy}");
        Assert.True(ci.RocAuc.Contains(metrics.RocAuc), $"ROC-AUC {metrics.RocAuc} outside {ci.RocAuc}");
        Assert.True(ci.Accuracy.Width > 0);
    }

    [Fact]
    public void Accuracy_interval_is_close_to_the_normal_approximation()
    {
        // 400 samples: the percentile bootstrap and the Wald interval p ± 1.96·√(p(1−p)/n) should agree to ~1 point
        var metrics = Evaluate("binary", new MetricsOptions { BootstrapSamples = 2000 });
        double p = metrics.Accuracy, halfWidth = 1.96 * Math.Sqrt(p * (1 - p) / metrics.SampleCount);
        var ci = metrics.ConfidenceIntervals!.Accuracy;
        Assert.Equal(p - halfWidth, ci.Lower, 0.01);
        Assert.Equal(p + halfWidth, ci.Upper, 0.01);
    }

    [Fact]
    public void Binary_metrics_get_sensitivity_and_specificity_intervals()
    {
        var metrics = Evaluate("binary", new MetricsOptions { BootstrapSamples = 300 });
        var ci = metrics.ConfidenceIntervals!;
        Assert.True(ci.Sensitivity!.Contains(metrics.Sensitivity));
        Assert.True(ci.Specificity!.Contains(metrics.Specificity));
    }

    [Fact]
    public void Zero_samples_turns_the_bootstrap_off()
    {
        Assert.Null(Evaluate("binary", new MetricsOptions { BootstrapSamples = 0 }).ConfidenceIntervals);
    }

    [Fact]
    public void A_cancelled_bootstrap_stops()
    {
        var fixture = MetricFixture.Load("binary");
        Assert.Throws<OperationCanceledException>(() => MetricsCalculator.Compute(fixture.Labels,
            fixture.ProbabilityMatrix(), fixture.ClassNames, cancellationToken: new CancellationToken(canceled: true)));
    }
}
