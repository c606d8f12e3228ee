namespace TransferLearning.ML.Models;

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

/// <summary>The names a model file records a <see cref="TrainingMode"/> by (<c>manifest.json</c>'s <c>mode</c>).</summary>
internal static class TrainingModeNames
{
    public static string Of(TrainingMode mode) => mode switch
    {
        TrainingMode.FeatureExtraction => "features",
        TrainingMode.FromScratch => "scratch",
        _ => "finetune",
    };

    public static TrainingMode Parse(string name) => name switch
    {
        "features" => TrainingMode.FeatureExtraction,
        "scratch" => TrainingMode.FromScratch,
        "finetune" => TrainingMode.FineTune,
        _ => throw new ModelFileException($"manifest.json names an unknown training mode '{name}' (expected features, finetune or scratch)."),
    };
}
