using TorchSharp;
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
