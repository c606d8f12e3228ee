namespace TransferLearning.ML.Onnx;

/// <summary>Whether a feature tensor still has a spatial layout.</summary>
public enum FeatureKind
{
    /// <summary>Globally pooled: one value per channel (shape <c>[C,1,1]</c> or <c>[C]</c>), ready for a linear head.</summary>
    Pooled,

    /// <summary>A feature map with spatial extent, e.g. VGG's <c>[512,7,7]</c>, that a head flattens or pools.</summary>
    Spatial,
}
