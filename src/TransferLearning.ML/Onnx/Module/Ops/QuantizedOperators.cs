using TorchSharp;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>
/// The QOperator int8 operators (QuantizeLinear, DequantizeLinear, QLinearConv, QLinearMatMul, QLinearAdd,
/// QLinearGlobalAveragePool), imported as float32 so the module stays differentiable: every quantised tensor is
/// carried as its dequantised float value, quantised weights become float parameters <c>(w - zero_point) * scale</c>
/// (per-channel scales included), and each quantised output keeps only its representable range,
/// <c>[(qmin - zp) * scale, (qmax - zp) * scale]</c>, as a clamp instead of rounding to the grid.
/// </summary>
internal static class QuantizedOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("QuantizeLinear", QuantizeLinear);
        registry.Add("DequantizeLinear", DequantizeLinear);
        registry.Add("QLinearConv", QLinearConv);
        registry.Add("QLinearMatMul", QLinearMatMul);
        registry.Add("QLinearAdd", QLinearAdd, OperatorRegistry.MicrosoftDomain);
        registry.Add("QLinearGlobalAveragePool", QLinearGlobalAveragePool, OperatorRegistry.MicrosoftDomain);
    }

    /// <summary>The float interval a quantised tensor can represent.</summary>
    private readonly record struct QuantRange(double Min, double Max)
    {
        public Tensor Apply(Tensor x) => x.clamp(Min, Max);

        /// <summary>Clamps a freshly computed tensor in place (autograd allows it: no operator saved it).</summary>
        public Tensor ApplyInPlace(Tensor fresh)
        {
            fresh.clamp_(Min, Max);
            return fresh;
        }
    }

    private static IOnnxOperator QuantizeLinear(OperatorBuildContext context)
    {
        QuantRange range = Range(context, 1, 2);
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) => range.Apply(x[0]));
    }

    private static IOnnxOperator DequantizeLinear(OperatorBuildContext context)
    {
        if (context.Constant(0) is not null)
        {
            // a quantised weight feeding a float operator (QDQ format): train its dequantised value
            GraphParameter weight = DequantizedParameter(context, 0, 1, 2, (int)context.Int("axis", 1), ParameterRole.Other);
            return new DelegateOperator(OperatorKind.Other, (in NodeInputs _, in OperatorRunContext _) => weight.Value.alias());
        }
        float scale = TensorData.ToFloatArray(context.StaticInput(1, "scale"))[0];
        double zeroPoint = context.HasInput(2) ? TensorData.ToDoubleArray(context.StaticInput(2, "zero point"))[0] : 0;
        if (context.InputTypes.Length > 0 && context.InputTypes[0] is { IsQuantized: false, IsInteger: true })
        {
            // a real integer tensor (an integer graph input, a Cast): dequantise it (per-tensor; the type rule refuses per-axis)
            return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) =>
            {
                using Tensor values = x[0].to_type(ScalarType.Float32);
                using Tensor shifted = values.sub(zeroPoint);
                return shifted.mul(scale);
            });
        }
        // quantised activations already carry their dequantised value
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) => x[0]);
    }

    private static IOnnxOperator QLinearConv(OperatorBuildContext context)
    {
        StaticScaleAndZeroPoint(context, 1, 2);
        GraphParameter weight = DequantizedParameter(context, 3, 4, 5, axis: 0, ParameterRole.ConvWeight);
        GraphParameter? bias = null;
        if (context.HasInput(8))
        {
            // the int32 bias is quantised with scale x_scale * w_scale and zero point 0
            float xScale = TensorData.ToFloatArray(context.StaticInput(1, "x_scale"))[0];
            float[] wScale = TensorData.ToFloatArray(context.StaticInput(4, "w_scale"));
            double[] b = TensorData.ToDoubleArray(context.StaticInput(8, "bias"));
            var values = new float[b.Length];
            for (int i = 0; i < b.Length; i++) values[i] = (float)(b[i] * xScale * wScale[wScale.Length == 1 ? 0 : i]);
            bias = context.DeclareParameter(context.Node.Input[8], torch.tensor(values), ParameterRole.Bias);
        }
        QuantRange range = Range(context, 6, 7);
        WindowGeometry geometry = WindowGeometry.From(context, weight.Value.shape[2..]);
        long groups = context.Int("group", 1);
        var kind = range.Min >= 0 ? OperatorKind.LinearWithActivation : OperatorKind.Linear;
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
        {
            return range.ApplyInPlace(ConvolutionOperators.Apply(geometry, groups, x[0], weight.Value, bias?.Value));
        });
    }

    private static IOnnxOperator QLinearMatMul(OperatorBuildContext context)
    {
        GraphParameter? a = ConstantOperand(context, 0, 1, 2, ParameterRole.Other, axis: 0);
        GraphParameter? b = ConstantOperand(context, 3, 4, 5, ParameterRole.LinearWeightTransposed, axis: 1);
        QuantRange range = Range(context, 6, 7);
        var kind = b is not null ? OperatorKind.Linear : OperatorKind.Other;
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
        {
            return range.ApplyInPlace((a?.Value ?? x[0]).matmul(b?.Value ?? x[3]));
        });
    }

    private static IOnnxOperator QLinearAdd(OperatorBuildContext context)
    {
        GraphParameter? a = ConstantOperand(context, 0, 1, 2, ParameterRole.Bias, axis: 0);
        GraphParameter? b = ConstantOperand(context, 3, 4, 5, ParameterRole.Bias, axis: 0);
        QuantRange range = Range(context, 6, 7);
        var kind = a is null && b is null ? OperatorKind.Merge : OperatorKind.Other;
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
        {
            return range.ApplyInPlace((a?.Value ?? x[0]).add(b?.Value ?? x[3]));
        });
    }

    private static IOnnxOperator QLinearGlobalAveragePool(OperatorBuildContext context)
    {
        StaticScaleAndZeroPoint(context, 1, 2);
        QuantRange range = Range(context, 3, 4);
        bool channelsLast = context.Int("channels_last", 0) != 0;
        return new DelegateOperator(OperatorKind.Pooling, (in NodeInputs x, in OperatorRunContext _) =>
        {
            Tensor input = x[0];
            long[] dims = channelsLast
                ? Enumerable.Range(1, (int)input.dim() - 2).Select(i => (long)i).ToArray()
                : PoolingOperators.SpatialDims(input);
            return range.ApplyInPlace(input.mean(dims, keepdim: true));
        });
    }

    private static GraphParameter? ConstantOperand(OperatorBuildContext context, int value, int scale, int zeroPoint, ParameterRole role, int axis)
    {
        if (context.Constant(value) is null)
        {
            StaticScaleAndZeroPoint(context, scale, zeroPoint);
            return null;
        }
        return DequantizedParameter(context, value, scale, zeroPoint, axis, role);
    }

    private static void StaticScaleAndZeroPoint(OperatorBuildContext context, int scale, int zeroPoint)
    {
        context.StaticInput(scale, "scale");
        if (context.HasInput(zeroPoint)) context.StaticInput(zeroPoint, "zero point");
    }

    /// <summary>Registers <c>(q - zero_point) * scale</c> of a constant quantised tensor as a float parameter.</summary>
    private static GraphParameter DequantizedParameter(OperatorBuildContext context, int value, int scale, int zeroPoint, int axis, ParameterRole role)
    {
        TensorProto q = context.StaticInput(value, "quantised value");
        float[] scales = TensorData.ToFloatArray(context.StaticInput(scale, "scale"));
        double[] zeroPoints = context.HasInput(zeroPoint) ? TensorData.ToDoubleArray(context.StaticInput(zeroPoint, "zero point")) : [0.0];
        double[] raw = TensorData.ToDoubleArray(q);
        long[] shape = TensorData.Shape(q);
        if (axis < 0) axis += shape.Length;
        long inner = 1;
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        long channels = shape.Length == 0 ? 1 : shape[Math.Min(axis, shape.Length - 1)];
        var values = new float[raw.Length];
        for (long i = 0; i < raw.Length; i++)
        {
            int c = scales.Length == 1 ? 0 : (int)(i / inner % channels);
            double zp = zeroPoints.Length == 1 ? zeroPoints[0] : zeroPoints[c];
            values[i] = (float)((raw[i] - zp) * scales[c]);
        }
        return context.DeclareParameter(context.Node.Input[value], torch.tensor(values, shape), role);
    }

    /// <summary>The range of the quantised tensor with the given scale and zero point inputs.</summary>
    private static QuantRange Range(OperatorBuildContext context, int scale, int zeroPoint)
    {
        float[] scales = TensorData.ToFloatArray(context.StaticInput(scale, "scale"));
        if (scales.Length != 1) throw context.Error("a per-channel output scale is not supported (a per-tensor one is)");
        double zp = 0;
        var type = DataType.Uint8;
        if (context.HasInput(zeroPoint))
        {
            TensorProto z = context.StaticInput(zeroPoint, "zero point");
            zp = TensorData.ToDoubleArray(z)[0];
            type = (DataType)z.DataType;
        }
        (double qmin, double qmax) = type switch
        {
            DataType.Uint8 => (0.0, 255.0),
            DataType.Int8 => (-128.0, 127.0),
            DataType.Int32 => ((double)int.MinValue, (double)int.MaxValue),
            _ => throw context.Error($"zero point type {OnnxTypeNames.Of(type)} is not supported (UINT8, INT8 and INT32 are); quantise to UINT8 or INT8"),
        };
        return new QuantRange((qmin - zp) * scales[0], (qmax - zp) * scales[0]);
    }
}
