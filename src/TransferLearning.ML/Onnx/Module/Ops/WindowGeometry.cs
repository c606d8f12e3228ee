using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>
/// The sliding-window attributes shared by Conv and the pooling operators (kernel, strides, dilations, pads,
/// auto_pad, ceil_mode), and their translation to libtorch, which only pads symmetrically: asymmetric or
/// SAME_* padding becomes an explicit pad of the input before the window operator.
/// </summary>
internal sealed class WindowGeometry
{
    private readonly long[]? _fixedPadding;
    private readonly long[]? _fixedExplicitPad;

    private WindowGeometry(long[] kernel, long[] strides, long[] dilations, long[] pads, string autoPad, bool ceilMode)
    {
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        Pads = pads;
        AutoPad = autoPad;
        CeilMode = ceilMode;
        if (autoPad is "NOTSET" or "VALID")
        {
            long[] effective = autoPad == "VALID" ? new long[pads.Length] : pads;
            (_fixedPadding, _fixedExplicitPad) = Split(effective);
        }
    }

    public long[] Kernel { get; }
    public long[] Strides { get; }
    public long[] Dilations { get; }
    /// <summary>ONNX order: all begins, then all ends.</summary>
    public long[] Pads { get; }
    public string AutoPad { get; }
    public bool CeilMode { get; }
    public int Rank => Kernel.Length;

    /// <summary>Reads the attributes; the kernel comes from kernel_shape or, for Conv, the weight's shape.</summary>
    public static WindowGeometry From(OperatorBuildContext context, long[]? kernelFallback)
    {
        long[] kernel = context.Ints("kernel_shape") ?? kernelFallback
            ?? throw context.Error("kernel_shape is missing and the weight is not a constant");
        int rank = kernel.Length;
        long[] strides = context.Ints("strides") ?? Enumerable.Repeat(1L, rank).ToArray();
        long[] dilations = context.Ints("dilations") ?? Enumerable.Repeat(1L, rank).ToArray();
        long[] pads = context.Ints("pads") ?? new long[2 * rank];
        string autoPad = context.String("auto_pad") is { Length: > 0 } a ? a : "NOTSET";
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw context.Error($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        if (strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
            throw context.Error($"strides, dilations and pads do not match the {rank}-d kernel");
        if (rank is < 1 or > 3)
            throw context.Error($"{rank}-d windows are not supported (1-d, 2-d and 3-d are)");
        return new WindowGeometry(kernel, strides, dilations, pads, autoPad, context.Int("ceil_mode", 0) != 0);
    }

    /// <summary>
    /// The symmetric padding to give libtorch and, when needed, an explicit pad (in <c>torch.nn.functional.pad</c>
    /// order, last dimension first) to apply to the input beforehand.
    /// </summary>
    public (long[] Padding, long[]? ExplicitPad) Resolve(Tensor input)
    {
        if (_fixedPadding is not null) return (_fixedPadding, _fixedExplicitPad);
        var pads = new long[2 * Rank];
        for (int i = 0; i < Rank; i++)
        {
            long size = input.shape[input.dim() - Rank + i];
            long output = (size + Strides[i] - 1) / Strides[i];
            long total = Math.Max(0, (output - 1) * Strides[i] + (Kernel[i] - 1) * Dilations[i] + 1 - size);
            long small = total / 2;
            (pads[i], pads[i + Rank]) = AutoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
        }
        return Split(pads);
    }

    private (long[] Padding, long[]? ExplicitPad) Split(long[] pads)
    {
        bool symmetric = true;
        for (int i = 0; i < Rank; i++)
            if (pads[i] != pads[i + Rank] || pads[i] > Kernel[i] / 2) symmetric = false;
        if (symmetric) return (pads[..Rank], null);
        var explicitPad = new long[2 * Rank];
        for (int i = 0; i < Rank; i++)
        {
            int fromLast = Rank - 1 - i;
            explicitPad[2 * fromLast] = pads[i];
            explicitPad[2 * fromLast + 1] = pads[i + Rank];
        }
        return (new long[Rank], explicitPad);
    }
}
