using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// Mixing each training batch with a shuffled copy of itself, at the input of the trainable part: MixUp (Zhang et al.
/// 2018, <see cref="FineTuneOptions.MixUpAlpha"/>) replaces the batch by λ·x + (1 − λ)·x[π], CutMix (Yun et al. 2019,
/// <see cref="FineTuneOptions.CutMixAlpha"/>) pastes a box of x[π] covering 1 − λ of each map into x (λ then the share
/// left unpasted), for a shuffled order π of the same batch and λ ~ Beta(α, α); the loss becomes
/// λ·loss(y) + (1 − λ)·loss(y[π]). With both on, each batch takes one of the two at even odds (as timm does). Where
/// frozen blocks come first, x is their output (the boundary tensor: the frozen blocks are a fixed function, so
/// mixing there is mixing in their feature space — the manifold MixUp of Verma et al. 2019, and for CutMix a box of
/// the feature map, as PatchUp, Faramarzi et al. 2020, does), the same tensor in split execution, cached or not, and
/// all in TorchSharp; with nothing frozen it is the images. λ, π, the box and the choice come from libtorch's
/// generator, which the trainer seeds per epoch, so a run is reproducible.
/// </summary>
internal sealed class MixUp
{
    private readonly double _mixUpAlpha, _cutMixAlpha;

    /// <param name="mixUpAlpha">MixUp's α; 0: no MixUp.</param>
    /// <param name="cutMixAlpha">CutMix's α; 0: no CutMix.</param>
    public MixUp(double mixUpAlpha, double cutMixAlpha = 0)
    {
        if (!(mixUpAlpha > 0 || cutMixAlpha > 0)) throw new ArgumentException("MixUp needs MixUpAlpha or CutMixAlpha above 0.");
        _mixUpAlpha = mixUpAlpha;
        _cutMixAlpha = cutMixAlpha;
    }

    /// <summary>The batch mixed with a shuffled copy of itself, the shuffled order and λ (the weight of the batch's
    /// own labels).</summary>
    public (Tensor Mixed, Tensor Order, double Lambda) Mix(Tensor input)
    {
        // CutMix needs maps [N, C, H, W]; MixUp alone draws exactly what it drew before CutMix existed
        bool cut = _cutMixAlpha > 0 && input.dim() == 4 && (_mixUpAlpha == 0 || Uniform() < 0.5);
        long n = input.shape[0];
        double lambda = Beta(cut ? _cutMixAlpha : _mixUpAlpha > 0 ? _mixUpAlpha : _cutMixAlpha);
        Tensor order = randperm(n, ScalarType.Int64);
        using var partner = input.index_select(0, order);
        if (!cut) return (input.mul(lambda).add_(partner, alpha: 1 - lambda), order, lambda);

        // a box of about (1 − λ) of the map, centred at a uniform point, clipped to the map; λ becomes the share left
        long height = input.shape[2], width = input.shape[3];
        double side = Math.Sqrt(1 - lambda);
        long boxHeight = (long)(height * side), boxWidth = (long)(width * side);
        long centreY = (long)(Uniform() * height), centreX = (long)(Uniform() * width);
        long top = Math.Clamp(centreY - boxHeight / 2, 0, height), bottom = Math.Clamp(centreY + boxHeight / 2, 0, height);
        long left = Math.Clamp(centreX - boxWidth / 2, 0, width), right = Math.Clamp(centreX + boxWidth / 2, 0, width);
        Tensor mixed = input.clone();
        if (bottom > top && right > left)
        {
            using var box = mixed.narrow(2, top, bottom - top).narrow(3, left, right - left);
            using var pasted = partner.narrow(2, top, bottom - top).narrow(3, left, right - left);
            box.copy_(pasted);
        }
        return (mixed, order, 1 - (double)(bottom - top) * (right - left) / (height * width));
    }

    /// <summary>λ·loss(labels) + (1 − λ)·loss(labels[order]).</summary>
    public static Tensor Loss(Func<Tensor, Tensor> loss, Tensor labels, Tensor order, double lambda)
    {
        using var partners = labels.index_select(0, order);
        using var own = loss(labels);
        using var other = loss(partners);
        return own.mul(lambda).add_(other, alpha: 1 - lambda);
    }

    private static double Beta(double alpha)
    {
        using var a = tensor(new[] { (float)alpha });
        using var sample = distributions.Beta(a, a).sample();
        return sample.item<float>();
    }

    private static double Uniform()
    {
        using var u = rand(1);
        return u.item<float>();
    }
}
