namespace TransferLearning.ML.Backbones;

/// <summary>How a backbone's feature tensor was chosen (see <see cref="Backbone.FeatureTensorSource"/>).</summary>
public enum FeatureTensorSource
{
    /// <summary>Named by the caller (<see cref="BackboneOptions.FeatureTensor"/>, <c>tl train --feature-tensor</c>).</summary>
    Named,

    /// <summary>The input of the graph's own classifier (its Gemm/MatMul layers), which the library cuts off.</summary>
    ClassifierInput,

    /// <summary>
    /// The graph's output: the graph has no classifier (a headless export such as Keras <c>include_top=False</c>,
    /// timm <c>num_classes=0</c> or ML.NET's DnnImageFeaturizer models), so its output already is the feature tensor.
    /// </summary>
    GraphOutput,
}
