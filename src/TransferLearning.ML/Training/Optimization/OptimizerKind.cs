namespace TransferLearning.ML.Training.Optimization;

/// <summary>The optimiser that updates the trainable weights.</summary>
public enum OptimizerKind
{
    /// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter). The default.</summary>
    AdamW,

    /// <summary>Adam (weight decay, if any, as L2 in the gradient), as Keras' <c>Adam</c> used by the studies.</summary>
    Adam,

    /// <summary>Stochastic gradient descent with momentum 0.9 (Nesterov).</summary>
    Sgd,
}
