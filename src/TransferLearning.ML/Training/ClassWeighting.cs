namespace TransferLearning.ML.Training;

/// <summary>How classes are weighted in the loss, to counter imbalance (e.g. 1341 normal vs 3875 pneumonia X-rays).</summary>
public enum ClassWeighting
{
    /// <summary>Every class weighs the same.</summary>
    None,

    /// <summary>Weight n / (k · count_c), as scikit-learn's <c>class_weight="balanced"</c>. The default.</summary>
    InverseFrequency,

    /// <summary>Effective number of samples (Cui et al. 2019, β = 0.999), normalised to sum to k.</summary>
    EffectiveNumber,
}
