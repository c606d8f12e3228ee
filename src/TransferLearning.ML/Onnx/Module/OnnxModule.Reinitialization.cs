using TransferLearning.ML.Onnx.Module.Ops;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module;

public sealed partial class OnnxModule
{
    /// <summary>
    /// Replaces every weight with a fresh, seeded initialisation, to train the same architecture from scratch:
    /// Kaiming-normal (fan_out, ReLU gain) for convolution weights, Xavier-normal for Gemm/MatMul weights, zero
    /// biases, BatchNormalization scale 1 and bias 0, running mean 0 and variance 1. Parameters of other roles
    /// (e.g. a constant added to the input) keep their values. The same seed gives bit-identical parameters.
    /// </summary>
    /// <param name="seed">The random seed.</param>
    public void ReinitializeParameters(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (GraphParameter p in _graph.Parameters)
            Reinitialize(p.Value, p.Role, generator);
        foreach (GraphBuffer b in _graph.Buffers)
            Reinitialize(b.Value, b.Role, generator);
    }

    /// <summary>Whether the graph normalises its activations (has BatchNormalization nodes).</summary>
    public bool HasBatchNormalization => _graph.Nodes.Any(n => n.Proto.OpType == "BatchNormalization");

    /// <summary>
    /// Rescales freshly initialised weights so that every convolution and dense layer outputs unit variance on
    /// <paramref name="sample"/>, layer by layer in graph order (LSUV, Mishkin &amp; Matas 2016). Use it after
    /// <see cref="ReinitializeParameters"/> on a graph without BatchNormalization (e.g. an export whose batch
    /// norms were folded into the convolutions): there, Kaiming initialisation alone lets the signal vanish
    /// or explode over a deep network, and training from scratch does not start.
    /// </summary>
    /// <param name="sample">A batch of typical inputs (a training batch), shaped like the module's input.</param>
    /// <returns>The number of layers rescaled.</returns>
    /// <exception cref="ArgumentException">The sample is empty.</exception>
    public int ScaleInitializationToUnitVariance(Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.numel() == 0) throw new ArgumentException("The calibration sample is empty: pass a batch of training images.", nameof(sample));
        bool wasTraining = training;
        eval();
        int rescaled = 0;
        try
        {
            using var noGrad = no_grad();
            foreach (CompiledNode node in _graph.Nodes)
            {
                if (node.Proto.OpType is not ("Conv" or "Gemm" or "MatMul")) continue;
                GraphParameter? weight = node.ParameterIndices.Select(i => _graph.Parameters[i])
                    .FirstOrDefault(p => p.Role is ParameterRole.ConvWeight or ParameterRole.LinearWeight or ParameterRole.LinearWeightTransposed);
                if (weight is null) continue;
                using var scope = NewDisposeScope();
                string output = _graph.SlotNames[node.Output];
                Tensor result = Forward(sample, [output], out var extras);
                double std = extras[output].std().item<float>();
                // the layer's output is linear in its weight (biases are zero after re-initialisation): one pass is exact
                if (std > 1e-12 && double.IsFinite(std))
                {
                    weight.Value.mul_(1 / std);
                    rescaled++;
                }
            }
        }
        finally
        {
            train(wasTraining);
        }
        return rescaled;
    }

    private static void Reinitialize(Tensor value, ParameterRole role, Generator generator)
    {
        long[] shape = value.shape;
        switch (role)
        {
            case ParameterRole.ConvWeight:
            {
                // fan_out = output channels × receptive field
                long fanOut = shape[0];
                for (int i = 2; i < shape.Length; i++) fanOut *= shape[i];
                Normal(value, Math.Sqrt(2.0 / Math.Max(1, fanOut)), generator);
                break;
            }
            case ParameterRole.LinearWeight:
            case ParameterRole.LinearWeightTransposed:
            {
                long fanIn = shape.Length >= 2 ? shape[^1] : 1, fanOut = shape.Length >= 2 ? shape[^2] : shape[0];
                Normal(value, Math.Sqrt(2.0 / Math.Max(1, fanIn + fanOut)), generator);
                break;
            }
            case ParameterRole.Bias:
            case ParameterRole.NormBias:
            case ParameterRole.RunningMean:
                value.zero_();
                break;
            case ParameterRole.NormScale:
            case ParameterRole.RunningVariance:
                value.fill_(1.0);
                break;
        }
    }

    private static void Normal(Tensor value, double std, Generator generator)
    {
        using Tensor sample = randn(value.shape, dtype: value.dtype, generator: generator);
        value.copy_(sample.mul_(std));
    }
}
