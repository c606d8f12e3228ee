using System.Runtime.Intrinsics.X86;
using Microsoft.ML.OnnxRuntime;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Keeps int8 (QOperator) graphs exact on every x86 CPU. ONNX Runtime's fast kernels for uint8 activations × int8
/// weights use <c>vpmaddubsw</c> on CPUs without VNNI (AVX2, and AVX-512 without VNNI), which adds pairs of
/// products into a saturating 16-bit integer (255·127·2 &gt; 32767): on the ONNX Model Zoo's int8 MobileNetV2 the
/// pooled features then drift from the float model's (the test
/// <c>Int8_backbone_features_of_real_chest_xrays_track_the_float_model_on_any_x86_cpu</c> guards the result). ONNX Runtime's session option <c>session.x64quantprecision = 1</c> converts the weights to
/// uint8 and uses the non-saturating uint8 × uint8 kernels, whose results equal the VNNI ones bit for bit at about
/// half the int8 speed. The library sets it on every session it creates, on CPUs without VNNI only.
/// </summary>
public static class QuantizedKernelPrecision
{
    /// <summary>The ONNX Runtime session config key (<c>kOrtSessionOptionsAvx2PrecisionMode</c>).</summary>
    public const string SessionConfigKey = "session.x64quantprecision";

    /// <summary>
    /// Whether this CPU's fast int8 kernels in ONNX Runtime would saturate (x86 with AVX2 but neither AVX-VNNI nor
    /// AVX512-VNNI), so that the library turns on <see cref="SessionConfigKey"/>.
    /// </summary>
    public static bool FastKernelsSaturate { get; } = Detect();

    /// <summary>Adds <see cref="SessionConfigKey"/> to <paramref name="options"/> when <see cref="FastKernelsSaturate"/>.</summary>
    internal static SessionOptions Apply(SessionOptions options)
    {
        if (FastKernelsSaturate) options.AddSessionConfigEntry(SessionConfigKey, "1");
        return options;
    }

    /// <summary>One line for diagnostics (<c>tl doctor</c>).</summary>
    public static string Describe() => !X86Base.IsSupported
        ? "int8 kernels: not x86, no saturation issue"
        : FastKernelsSaturate
            ? $"int8 kernels: CPU without VNNI, exact uint8 kernels turned on ({SessionConfigKey}=1)"
            : "int8 kernels: VNNI (exact and fast)";

    private static bool Detect()
    {
        if (!X86Base.IsSupported || !Avx2.IsSupported) return false; // ONNX Runtime's option acts on AVX2/AVX-512 only
        var (_, _, leaf7Ecx, _) = X86Base.CpuId(7, 0);
        var (leaf71Eax, _, _, _) = X86Base.CpuId(7, 1);
        bool avxVnni = (leaf71Eax & (1 << 4)) != 0;
        bool avx512Vnni = (leaf7Ecx & (1 << 11)) != 0
                          && Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;
        return !(avxVnni || avx512Vnni);
    }
}
