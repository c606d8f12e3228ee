namespace TransferLearning.ML.Training;

/// <summary>How the backbone is used.</summary>
public enum TrainingMode
{
    /// <summary>Frozen backbone in ONNX Runtime, cached features, a new head trained on them. Fastest; best for small data similar to ImageNet.</summary>
    FeatureExtraction,

    /// <summary>New head trained first, then the last blocks unfrozen and trained with it. Usually the most accurate.</summary>
    FineTune,

    /// <summary>The same architecture from random weights, every layer trained. The baseline that shows what pretraining adds.</summary>
    FromScratch,
}
