using TransferLearning.ML.Data;

namespace TransferLearning.ML.Backbones;

/// <summary>Overrides for what the library infers from a backbone's ONNX graph.</summary>
public sealed record BackboneOptions
{
    /// <summary>A display name. Default: the catalog name, or the file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The tensor a new head reads. Default: found by <c>GraphSurgery.FindFeatureTensor</c> — the output of the last
    /// pooling or flatten before the classifier. Set it for a graph without a classifier, or to cut elsewhere.
    /// </summary>
    public string? FeatureTensor { get; init; }

    /// <summary>
    /// How images are turned into the backbone's input. Default: the graph input's height and width (224 when
    /// symbolic), RGB, [0,1] then ImageNet mean/std — what torchvision and ONNX Model Zoo backbones expect.
    /// </summary>
    public ImagePreprocessing? Preprocessing { get; init; }
}
