using TorchSharp;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>MaxPool, AveragePool (count_include_pad, ceil_mode), GlobalAveragePool, GlobalMaxPool, ReduceMean.</summary>
internal static class PoolingOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("MaxPool", MaxPool);
        registry.Add("AveragePool", AveragePool);
        registry.Add("GlobalAveragePool", _ => new DelegateOperator(OperatorKind.Pooling,
            (in NodeInputs x, in OperatorRunContext _) => x[0].mean(SpatialDims(x[0]), keepdim: true)));
        registry.Add("GlobalMaxPool", _ => new DelegateOperator(OperatorKind.Pooling,
            (in NodeInputs x, in OperatorRunContext _) => x[0].amax(SpatialDims(x[0]), keepdim: true)));
        registry.Add("ReduceMean", ReduceMean);
    }

    /// <summary>The dimensions after batch and channel.</summary>
    public static long[] SpatialDims(Tensor x)
    {
        var dims = new long[x.dim() - 2];
        for (int i = 0; i < dims.Length; i++) dims[i] = i + 2;
        return dims;
    }

    private static IOnnxOperator MaxPool(OperatorBuildContext context)
    {
        WindowGeometry g = WindowGeometry.From(context, null);
        if (g.Rank != 2) throw context.Error($"{g.Rank}-d MaxPool is not supported (2-d is)");
        return new DelegateOperator(OperatorKind.Pooling, (in NodeInputs x, in OperatorRunContext _) =>
        {
            var (padding, explicitPad) = g.Resolve(x[0]);
            if (explicitPad is null)
                return nn.functional.max_pool2d(x[0], g.Kernel, g.Strides, padding, g.Dilations, g.CeilMode);
            using Tensor padded = nn.functional.pad(x[0], explicitPad, PaddingModes.Constant, double.NegativeInfinity);
            return nn.functional.max_pool2d(padded, g.Kernel, g.Strides, padding, g.Dilations, g.CeilMode);
        });
    }

    private static IOnnxOperator AveragePool(OperatorBuildContext context)
    {
        WindowGeometry g = WindowGeometry.From(context, null);
        if (g.Rank != 2) throw context.Error($"{g.Rank}-d AveragePool is not supported (2-d is)");
        if (g.Dilations.Any(d => d != 1)) throw context.Error("dilated AveragePool is not supported");
        bool countIncludePad = context.Int("count_include_pad", 0) != 0;
        return new DelegateOperator(OperatorKind.Pooling, (in NodeInputs x, in OperatorRunContext _) =>
        {
            var (padding, explicitPad) = g.Resolve(x[0]);
            if (explicitPad is null)
                return nn.functional.avg_pool2d(x[0], g.Kernel, g.Strides, padding, g.CeilMode, countIncludePad);
            using var scope = NewDisposeScope();
            Tensor padded = nn.functional.pad(x[0], explicitPad);
            Tensor sum = nn.functional.avg_pool2d(padded, g.Kernel, g.Strides, padding, g.CeilMode, true);
            if (countIncludePad) return sum.MoveToOuterDisposeScope();
            // divide by the number of real (unpadded) elements under each window
            Tensor ones = torch.ones(1, 1, x[0].shape[2], x[0].shape[3], dtype: x[0].dtype, device: x[0].device);
            Tensor count = nn.functional.avg_pool2d(nn.functional.pad(ones, explicitPad), g.Kernel, g.Strides, padding, g.CeilMode, true);
            return sum.div(count).MoveToOuterDisposeScope();
        });
    }

    private static IOnnxOperator ReduceMean(OperatorBuildContext context)
    {
        bool keepDims = context.Int("keepdims", 1) != 0;
        long[]? axes = context.Opset >= 18
            ? (context.HasInput(1) ? TensorData.ToInt64Array(context.StaticInput(1, "axes")) : null)
            : context.Ints("axes");
        bool noopWithEmptyAxes = context.Int("noop_with_empty_axes", 0) != 0;
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) =>
        {
            if (axes is null || axes.Length == 0)
            {
                if (noopWithEmptyAxes) return x[0].alias();
                long[] all = Enumerable.Range(0, (int)x[0].dim()).Select(i => (long)i).ToArray();
                return x[0].mean(all, keepdim: keepDims);
            }
            return x[0].mean(axes, keepdim: keepDims);
        });
    }
}
