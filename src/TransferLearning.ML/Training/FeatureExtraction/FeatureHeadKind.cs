namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>How <see cref="FeatureExtractionOptions"/> fits the classifier head on the cached features.</summary>
public enum FeatureHeadKind
{
    /// <summary>
    /// A TorchSharp head (<see cref="FeatureExtractionOptions.Head"/>: linear by default, hidden layers allowed)
    /// trained by mini-batch AdamW for <see cref="FeatureExtractionOptions.Epochs"/> epochs, best epoch on validation.
    /// </summary>
    Neural,

    /// <summary>
    /// Multinomial L2-regularised logistic regression fitted to convergence by ML.NET's
    /// <c>LbfgsMaximumEntropy</c> trainer (a convex problem: no epochs, learning rate or seed), its L2 weight chosen
    /// on the validation split from <see cref="FeatureExtractionOptions.LogisticRegressionL2"/>. Linear only: the
    /// head's pooling applies, hidden dense layers are refused.
    /// </summary>
    LogisticRegression,
}
