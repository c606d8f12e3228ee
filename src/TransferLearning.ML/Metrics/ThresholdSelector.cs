namespace TransferLearning.ML.Metrics;

/// <summary>
/// Chooses the decision threshold of a binary classifier from validation scores. A sample is called positive when
/// its score is ≥ the threshold. Every choice is one of the observed scores (a point of the ROC curve without its
/// "nothing positive" end), except where <see cref="ForSpecificity"/> says otherwise.
/// </summary>
public static class ThresholdSelector
{
    /// <summary>
    /// The threshold maximising Youden's J = sensitivity + specificity − 1 = TPR − FPR. Ties go to the highest
    /// threshold (the first maximum along the ROC curve, as <c>np.argmax</c> over scikit-learn's
    /// <c>roc_curve</c> thresholds).
    /// </summary>
    /// <param name="labels">True labels; 1 is positive, anything else negative.</param>
    /// <param name="positiveScores">Score (probability) of the positive class for each sample.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is not finite, or positives or negatives are missing.</exception>
    public static double YoudenJ(IReadOnlyList<int> labels, IReadOnlyList<float> positiveScores)
    {
        var curve = Curve(labels, positiveScores, needPositives: true, needNegatives: true);
        return HighestBest(curve, i => curve.TruePositiveRates[i] - curve.FalsePositiveRates[i]);
    }

    /// <summary>
    /// The highest threshold whose sensitivity (TPR) is ≥ <paramref name="target"/>: the most specific operating point
    /// that still finds the required share of positives, e.g. a screening test that must miss at most 5 % (0.95).
    /// </summary>
    /// <param name="labels">True labels; 1 is positive, anything else negative.</param>
    /// <param name="positiveScores">Score of the positive class for each sample.</param>
    /// <param name="target">Required sensitivity in (0, 1].</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is not in (0, 1].</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is not finite, or there is no positive.</exception>
    public static double ForSensitivity(IReadOnlyList<int> labels, IReadOnlyList<float> positiveScores, double target)
    {
        CheckTarget(target);
        var curve = Curve(labels, positiveScores, needPositives: true, needNegatives: false);
        // the lowest threshold has TPR 1, so the loop always returns
        for (int i = 1; ; i++)
            if (curve.TruePositiveRates[i] >= target) return curve.Thresholds[i];
    }

    /// <summary>
    /// The lowest threshold whose specificity (1 − FPR) is ≥ <paramref name="target"/>: the most sensitive operating
    /// point that keeps false alarms within the limit, e.g. a confirmatory test. When even the highest score gives
    /// too many false positives, returns the next double above the highest score, which calls nothing positive.
    /// </summary>
    /// <param name="labels">True labels; 1 is positive, anything else negative.</param>
    /// <param name="positiveScores">Score of the positive class for each sample.</param>
    /// <param name="target">Required specificity in (0, 1].</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is not in (0, 1].</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is not finite, or there is no negative.</exception>
    public static double ForSpecificity(IReadOnlyList<int> labels, IReadOnlyList<float> positiveScores, double target)
    {
        CheckTarget(target);
        var curve = Curve(labels, positiveScores, needPositives: false, needNegatives: true);
        // specificity only falls as the threshold falls: the last point that meets the target is the answer
        int chosen = 0;
        for (int i = 1; i < curve.Thresholds.Count && 1 - curve.FalsePositiveRates[i] >= target; i++) chosen = i;
        return chosen == 0 ? Math.BitIncrement(curve.Thresholds[1]) : curve.Thresholds[chosen];
    }

    /// <summary>
    /// The threshold that maximises the expected accuracy in a population where a share <paramref name="prevalence"/>
    /// of the images is positive: prevalence · sensitivity + (1 − prevalence) · specificity, with sensitivity and
    /// specificity measured on the validation samples (which may have any class balance: each class is weighed by
    /// the population's share, not by its count here). For a test population whose class balance differs from
    /// training and validation (label shift), e.g. 62.5 % pneumonia where training had 74 %. At 0.5 this is
    /// balanced accuracy, so the choice is <see cref="YoudenJ"/>'s. Ties go to the highest threshold.
    /// </summary>
    /// <param name="labels">True labels; 1 is positive, anything else negative.</param>
    /// <param name="positiveScores">Score of the positive class for each sample.</param>
    /// <param name="prevalence">Share of positives in the population the model will see, in (0, 1).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="prevalence"/> is not in (0, 1).</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is not finite, or positives or negatives are missing.</exception>
    public static double ForPrevalence(IReadOnlyList<int> labels, IReadOnlyList<float> positiveScores, double prevalence)
    {
        CheckPrevalence(prevalence);
        var curve = Curve(labels, positiveScores, needPositives: true, needNegatives: true);
        return HighestBest(curve, i => prevalence * curve.TruePositiveRates[i] + (1 - prevalence) * (1 - curve.FalsePositiveRates[i]));
    }

    // the threshold of the curve point (past the "nothing positive" end) with the largest objective; ties go to the highest threshold
    private static double HighestBest(RocCurve curve, Func<int, double> objective)
    {
        int best = 1;
        for (int i = 2; i < curve.Thresholds.Count; i++)
            if (objective(i) > objective(best)) best = i;
        return curve.Thresholds[best];
    }

    internal static void CheckPrevalence(double prevalence)
    {
        if (!(prevalence > 0 && prevalence < 1))
            throw new ArgumentOutOfRangeException(nameof(prevalence), prevalence,
                "The prevalence is the share of positives in the population, in (0, 1), e.g. 0.625 for 390 positives in 624 images.");
    }

    private static void CheckTarget(double target)
    {
        if (!(target > 0 && target <= 1))
            throw new ArgumentOutOfRangeException(nameof(target), target, "The target rate must be in (0, 1], e.g. 0.95 for 95 %.");
    }

    private static RocCurve Curve(IReadOnlyList<int> labels, IReadOnlyList<float> scores, bool needPositives, bool needNegatives)
    {
        var curve = RocCurve.Compute(labels, scores);
        if (needPositives && curve.PositiveCount == 0)
            throw new ArgumentException("No positive sample (label 1): a threshold cannot be chosen without positives; use a validation split that contains both classes.", nameof(labels));
        if (needNegatives && curve.NegativeCount == 0)
            throw new ArgumentException("No negative sample: a threshold cannot be chosen without negatives; use a validation split that contains both classes.", nameof(labels));
        return curve;
    }
}
