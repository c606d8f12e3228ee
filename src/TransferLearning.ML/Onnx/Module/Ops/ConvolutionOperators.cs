using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>Conv: 1-d to 3-d, groups, dilations, strides, symmetric, asymmetric and automatic padding.</summary>
internal static class ConvolutionOperators
{
    public static void Register(OperatorRegistry registry) => registry.Add("Conv", Conv);

    private static IOnnxOperator Conv(OperatorBuildContext context)
    {
        context.SetRole(1, ParameterRole.ConvWeight);
        context.SetRole(2, ParameterRole.Bias);
        long[]? weightShape = context.Constant(1) is { } w ? TensorData.Shape(w)[2..] : null;
        WindowGeometry geometry = WindowGeometry.From(context, weightShape);
        long groups = context.Int("group", 1);
        return new DelegateOperator(OperatorKind.Linear, (in NodeInputs x, in OperatorRunContext _) =>
            Apply(geometry, groups, x[0], x[1], x.Has(2) ? x[2] : null));
    }

    /// <summary>Runs the convolution, padding explicitly first when libtorch cannot express the padding.</summary>
    public static Tensor Apply(WindowGeometry geometry, long groups, Tensor input, Tensor weight, Tensor? bias)
    {
        var (padding, explicitPad) = geometry.Resolve(input);
        if (explicitPad is null) return Convolve(geometry, groups, input, weight, bias, padding);
        using Tensor padded = nn.functional.pad(input, explicitPad);
        return Convolve(geometry, groups, padded, weight, bias, padding);
    }

    private static Tensor Convolve(WindowGeometry g, long groups, Tensor input, Tensor weight, Tensor? bias, long[] padding) =>
        g.Rank switch
        {
            1 => nn.functional.conv1d(input, weight, bias, g.Strides[0], padding[0], g.Dilations[0], groups),
            2 => nn.functional.conv2d(input, weight, bias, g.Strides, padding, g.Dilations, groups),
            _ => nn.functional.conv3d(input, weight, bias, g.Strides, padding, g.Dilations, groups),
        };
}
