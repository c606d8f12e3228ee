namespace TransferLearning.ML.Training;

/// <summary>What a mode's run hands back to <see cref="TransferLearner"/>: the classifier graph and its history.</summary>
internal sealed record RunOutcome(byte[] ClassifierOnnx, string InputName, NetworkRun Run, TimeSpan FeatureExtraction,
    FeatureCacheStatistics? FeatureCache = null);
