namespace TransferLearning.ML.Metrics;

/// <summary>How the decision threshold of a two-class model is chosen (on the validation split).</summary>
public abstract record ThresholdPolicy
{
    private ThresholdPolicy() { }

    /// <summary>A fixed threshold (0.5 by default).</summary>
    public sealed record FixedThreshold(double Value) : ThresholdPolicy;

    /// <summary>Maximise Youden's J = sensitivity + specificity − 1 on validation.</summary>
    public sealed record YoudenThreshold : ThresholdPolicy;

    /// <summary>The highest threshold whose validation sensitivity is at least <see cref="Target"/>.</summary>
    public sealed record SensitivityThreshold(double Target) : ThresholdPolicy;

    /// <summary>The lowest threshold whose validation specificity is at least <see cref="Target"/>.</summary>
    public sealed record SpecificityThreshold(double Target) : ThresholdPolicy;

    /// <summary>
    /// The threshold that maximises the expected accuracy on validation when its classes are weighed as in a
    /// population with this share of class 1 (<see cref="ThresholdSelector.ForPrevalence"/>): for a test population
    /// whose class balance is known to differ from the training images'.
    /// </summary>
    public sealed record PrevalenceThreshold(double Share) : ThresholdPolicy;

    /// <summary>0.5: predict class 1 when its probability is at least one half. The default.</summary>
    public static ThresholdPolicy Default { get; } = new FixedThreshold(0.5);

    /// <summary>Youden's J on validation.</summary>
    public static ThresholdPolicy Youden { get; } = new YoudenThreshold();

    /// <summary>Target sensitivity on validation (e.g. 0.95 for a screening test).</summary>
    public static ThresholdPolicy Sensitivity(double target) => new SensitivityThreshold(CheckTarget(target));

    /// <summary>Target specificity on validation.</summary>
    public static ThresholdPolicy Specificity(double target) => new SpecificityThreshold(CheckTarget(target));

    /// <summary>
    /// The threshold with the best expected accuracy on validation for a population where a share
    /// <paramref name="prevalence"/> of the images is class 1 (e.g. 0.625 for 390 pneumonia X-rays in 624); 0.5 is
    /// <see cref="Youden"/>'s choice.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="prevalence"/> is not in (0, 1).</exception>
    public static ThresholdPolicy Prevalence(double prevalence)
    {
        ThresholdSelector.CheckPrevalence(prevalence);
        return new PrevalenceThreshold(prevalence);
    }

    /// <summary>A fixed threshold.</summary>
    public static ThresholdPolicy Fixed(double value) => new FixedThreshold(value is > 0 and < 1
        ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A threshold must be in (0, 1)."));

    /// <summary>The policy as model files and reports name it: <c>default</c>, <c>fixed 0.3</c>, <c>youden</c>, <c>sensitivity&gt;=0.95</c>, <c>specificity&gt;=0.9</c>, <c>prevalence=0.625</c>.</summary>
    public sealed override string ToString() => Describe();

    /// <summary>The policy a <see cref="ToString"/> name stands for; null for <c>argmax</c> (more than two classes) or a name it does not know.</summary>
    internal static ThresholdPolicy? Parse(string name)
    {
        static double? Number(string text) => double.TryParse(text, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out double v) ? v : null;
        return name switch
        {
            "default" => Default,
            "youden" => Youden,
            _ when name.StartsWith("fixed ", StringComparison.Ordinal) && Number(name[6..]) is double v && v is > 0 and < 1 => new FixedThreshold(v),
            _ when name.StartsWith("sensitivity>=", StringComparison.Ordinal) && Number(name[13..]) is double t && t is > 0 and <= 1 => new SensitivityThreshold(t),
            _ when name.StartsWith("specificity>=", StringComparison.Ordinal) && Number(name[13..]) is double t && t is > 0 and <= 1 => new SpecificityThreshold(t),
            _ when name.StartsWith("prevalence=", StringComparison.Ordinal) && Number(name[11..]) is double p && p is > 0 and < 1 => new PrevalenceThreshold(p),
            _ => null,
        };
    }

    internal string Describe() => this switch
    {
        FixedThreshold f => f.Value == 0.5 ? "default" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fixed {f.Value:0.###}"),
        YoudenThreshold => "youden",
        SensitivityThreshold s => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"sensitivity>={s.Target:0.###}"),
        SpecificityThreshold s => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"specificity>={s.Target:0.###}"),
        PrevalenceThreshold p => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"prevalence={p.Share:0.######}"),
        _ => ToString(),
    };

    /// <summary>The threshold for validation labels and class-1 probabilities.</summary>
    internal double Choose(IReadOnlyList<int> labels, IReadOnlyList<float> positiveScores) => this switch
    {
        FixedThreshold f => f.Value,
        _ when labels.Count == 0 || labels.Distinct().Count() < 2 => 0.5, // nothing to choose from
        YoudenThreshold => ThresholdSelector.YoudenJ(labels, positiveScores),
        SensitivityThreshold s => ThresholdSelector.ForSensitivity(labels, positiveScores, s.Target),
        SpecificityThreshold s => ThresholdSelector.ForSpecificity(labels, positiveScores, s.Target),
        PrevalenceThreshold p => ThresholdSelector.ForPrevalence(labels, positiveScores, p.Share),
        _ => 0.5,
    };

    private static double CheckTarget(double target) => target is > 0 and <= 1
        ? target : throw new ArgumentOutOfRangeException(nameof(target), target, "A target rate must be in (0, 1].");
}
