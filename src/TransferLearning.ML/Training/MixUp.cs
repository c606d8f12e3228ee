using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// MixUp (Zhang et al. 2018) at the input of the trainable part (<see cref="FineTuneOptions.MixUpAlpha"/>): each
/// training batch is replaced by λ·x + (1 − λ)·x[π] for a shuffled order π of the same batch and λ ~ Beta(α, α),
/// and the loss by λ·loss(y) + (1 − λ)·loss(y[π]). Where frozen blocks come first, x is their output (the boundary
/// tensor: the frozen blocks are a fixed function, so mixing there is mixing in their feature space, the manifold
/// MixUp of Verma et al. 2019 at that layer), the same tensor in split execution, cached or not, and all in
/// TorchSharp; with nothing frozen it is the images. λ and π come from libtorch's generator, which the trainer
/// seeds per epoch, so a run is reproducible.
/// </summary>
internal sealed class MixUp(double alpha)
{
    /// <summary>The batch mixed with a shuffled copy of itself, the shuffled order and λ.</summary>
    public (Tensor Mixed, Tensor Order, double Lambda) Mix(Tensor input)
    {
        long n = input.shape[0];
        double lambda;
        using (var a = tensor(new[] { (float)alpha }))
        using (var sample = distributions.Beta(a, a).sample())
            lambda = sample.item<float>();
        Tensor order = randperm(n, ScalarType.Int64);
        using var partner = input.index_select(0, order);
        Tensor mixed = input.mul(lambda).add_(partner, alpha: 1 - lambda);
        return (mixed, order, lambda);
    }

    /// <summary>λ·loss(labels) + (1 − λ)·loss(labels[order]).</summary>
    public static Tensor Loss(Func<Tensor, Tensor> loss, Tensor labels, Tensor order, double lambda)
    {
        using var partners = labels.index_select(0, order);
        using var own = loss(labels);
        using var other = loss(partners);
        return own.mul(lambda).add_(other, alpha: 1 - lambda);
    }
}
