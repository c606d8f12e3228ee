using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Each threshold policy picks what it documents on hand-made scores, checked against a brute-force search over
/// the observed scores written here (a sample is positive when its score is ≥ the threshold).
/// </summary>
public sealed class ThresholdPolicyTests
{
    // 5 negatives, 5 positives, overlapping between 0.40 and 0.60
    private static readonly int[] Labels = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1];
    private static readonly float[] Scores = [0.10f, 0.20f, 0.30f, 0.35f, 0.40f, 0.60f, 0.55f, 0.70f, 0.80f, 0.90f];

    private static (double Sensitivity, double Specificity) Rates(double threshold, int[] labels, float[] scores)
    {
        int tp = 0, fn = 0, tn = 0, fp = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            bool positive = scores[i] >= threshold;
            if (labels[i] == 1) { if (positive) tp++; else fn++; }
            else { if (positive) fp++; else tn++; }
        }
        return ((double)tp / (tp + fn), (double)tn / (tn + fp));
    }

    private static double[] Candidates(float[] scores) => scores.Select(s => (double)s).Distinct().OrderDescending().ToArray();

    [Fact]
    public void Fixed_returns_its_value_whatever_the_scores()
    {
        Assert.Equal(0.5, ThresholdPolicy.Default.Choose(Labels, Scores));
        Assert.Equal(0.3, ThresholdPolicy.Fixed(0.3).Choose(Labels, Scores));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Fixed(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Fixed(0.0));
    }

    [Fact]
    public void Youden_maximises_sensitivity_plus_specificity_minus_one()
    {
        // brute force: the highest candidate with the largest J
        double bestJ = double.NegativeInfinity, expected = double.NaN;
        foreach (double t in Candidates(Scores))
        {
            var (se, sp) = Rates(t, Labels, Scores);
            if (se + sp - 1 > bestJ + 1e-12) { bestJ = se + sp - 1; expected = t; }
        }
        // by hand: at 0.70 and 0.55 J = 0.6; at 0.40 TPR 1, FPR 1/5 (only the 0.60 negative): J = 0.8, the maximum
        Assert.Equal((double)0.40f, expected);
        Assert.Equal(expected, ThresholdPolicy.Youden.Choose(Labels, Scores));
    }

    [Fact]
    public void Youden_ties_go_to_the_highest_threshold()
    {
        // J = 0.5 at 0.8 (TPR 1/2, FPR 0) and at 0.4 (TPR 1, FPR 1/2)
        Assert.Equal((double)0.8f, ThresholdPolicy.Youden.Choose([0, 1, 0, 1], [0.2f, 0.4f, 0.6f, 0.8f]));
    }

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.8)]
    [InlineData(1.0)]
    public void Sensitivity_picks_the_highest_threshold_that_reaches_the_target(double target)
    {
        double expected = Candidates(Scores).First(t => Rates(t, Labels, Scores).Sensitivity >= target);
        double chosen = ThresholdPolicy.Sensitivity(target).Choose(Labels, Scores);
        Assert.Equal(expected, chosen);
        Assert.True(Rates(chosen, Labels, Scores).Sensitivity >= target);
    }

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.8)]
    [InlineData(1.0)]
    public void Specificity_picks_the_lowest_threshold_that_keeps_the_target(double target)
    {
        double expected = Candidates(Scores).Last(t => Rates(t, Labels, Scores).Specificity >= target);
        double chosen = ThresholdPolicy.Specificity(target).Choose(Labels, Scores);
        Assert.Equal(expected, chosen);
        Assert.True(Rates(chosen, Labels, Scores).Specificity >= target);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.625)]
    [InlineData(0.9)]
    public void Prevalence_picks_the_threshold_with_the_best_accuracy_at_that_class_balance(double prevalence)
    {
        // brute force: the highest candidate with the largest prevalence-weighted accuracy
        double best = double.NegativeInfinity, expected = double.NaN;
        foreach (double t in Candidates(Scores))
        {
            var (se, sp) = Rates(t, Labels, Scores);
            double accuracy = prevalence * se + (1 - prevalence) * sp;
            if (accuracy > best + 1e-12) { best = accuracy; expected = t; }
        }
        Assert.Equal(expected, ThresholdPolicy.Prevalence(prevalence).Choose(Labels, Scores));
    }

    [Fact]
    public void Prevalence_moves_the_threshold_the_way_the_class_balance_moves()
    {
        // positives rare in the population: call fewer of them (a higher threshold); common: a lower one
        double rare = ThresholdPolicy.Prevalence(0.1).Choose(Labels, Scores);
        double common = ThresholdPolicy.Prevalence(0.9).Choose(Labels, Scores);
        // by hand: at 0.1 the 0.60 negative weighs 0.9/5 = 0.18 and the 0.40/0.55 positives 0.1/5 = 0.02 each, so
        // 0.70 (missing two positives, no false positive) wins; at 0.9 calling every positive (0.40) wins
        Assert.Equal((double)0.70f, rare);
        Assert.Equal((double)0.40f, common);
    }

    [Fact]
    public void Specificity_that_no_score_reaches_calls_nothing_positive()
    {
        // the highest score is a negative: every observed threshold has a false positive
        int[] labels = [1, 0];
        float[] scores = [0.3f, 0.9f];
        double chosen = ThresholdPolicy.Specificity(1.0).Choose(labels, scores);
        Assert.True(chosen > 0.9f);
        Assert.Equal(1.0, Rates(chosen, labels, scores).Specificity);
    }

    [Fact]
    public void With_one_class_in_validation_every_data_driven_policy_falls_back_to_one_half()
    {
        int[] labels = [1, 1, 1];
        float[] scores = [0.2f, 0.7f, 0.9f];
        Assert.Equal(0.5, ThresholdPolicy.Youden.Choose(labels, scores));
        Assert.Equal(0.5, ThresholdPolicy.Sensitivity(0.9).Choose(labels, scores));
        Assert.Equal(0.5, ThresholdPolicy.Specificity(0.9).Choose([], []));
        Assert.Equal(0.25, ThresholdPolicy.Fixed(0.25).Choose(labels, scores));
    }

    [Fact]
    public void Policies_describe_themselves_and_refuse_targets_outside_zero_to_one()
    {
        Assert.Equal("default", ThresholdPolicy.Default.Describe());
        Assert.Equal("fixed 0.3", ThresholdPolicy.Fixed(0.3).Describe());
        Assert.Equal("youden", ThresholdPolicy.Youden.Describe());
        Assert.Equal("sensitivity>=0.95", ThresholdPolicy.Sensitivity(0.95).Describe());
        Assert.Equal("specificity>=0.9", ThresholdPolicy.Specificity(0.9).Describe());
        Assert.Equal("prevalence=0.625", ThresholdPolicy.Prevalence(0.625).Describe());
        Assert.Equal(ThresholdPolicy.Prevalence(0.625), ThresholdPolicy.Parse("prevalence=0.625"));
        Assert.Null(ThresholdPolicy.Parse("prevalence=1"));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Prevalence(1));
        Assert.Contains("share of positives", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Prevalence(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Sensitivity(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThresholdPolicy.Specificity(1.01));
    }
}
