using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// Split execution of a fine-tuning phase: the frozen blocks before the first trainable one run in ONNX Runtime on
/// the feature graph cut at their last block's output (the boundary tensor), and the network goes on from that
/// tensor in TorchSharp (<see cref="OnnxModule.ForwardFromBlock"/>) with autograd. The cut is exact: the boundary
/// is the one tensor the rest of the network reads from the frozen part (<see cref="OnnxModule.CanStartAt"/>), and
/// the frozen part runs with its imported weights and statistics, as the all-TorchSharp path runs it (no_grad).
/// </summary>
internal sealed class FrozenPrefix : IDisposable
{
    private readonly OnnxRuntimeFeatureExtractor _session;
    private readonly long[] _boundaryShape;

    private FrozenPrefix(OnnxRuntimeFeatureExtractor session, int startBlock, string boundary)
    {
        _session = session;
        _boundaryShape = session.FeatureShape;
        StartBlock = startBlock;
        Boundary = boundary;
    }

    /// <summary>The first block the TorchSharp module runs (the number of blocks ONNX Runtime runs).</summary>
    public int StartBlock { get; }

    /// <summary>The tensor that crosses from ONNX Runtime to TorchSharp.</summary>
    public string Boundary { get; }

    /// <summary>The boundary tensor's shape without the batch (a copy).</summary>
    public long[] BoundaryShape => (long[])_boundaryShape.Clone();

    /// <summary>
    /// The prefix of the first <paramref name="frozenBlocks"/> blocks in ONNX Runtime, or null (with the reason
    /// logged) where the split would not compute what the all-TorchSharp path computes or cannot run: nothing
    /// frozen, a quantised graph (ONNX Runtime's int8 kernels are not the module's dequantised float operators), a
    /// Dropout in the frozen part (active in training mode in TorchSharp, not in ONNX Runtime), no single-tensor cut
    /// at the boundary, or a prefix graph ONNX Runtime refuses.
    /// </summary>
    public static FrozenPrefix? TryCreate(OnnxModel featureGraph, OnnxModule module, int frozenBlocks, int threads, string phase, ILogger logger)
    {
        if (frozenBlocks <= 0) return null;
        string? reason = module.IsQuantized ? "the backbone is a quantised graph"
            : module.OperatorsOfFirstBlocks(frozenBlocks).Contains("Dropout") ? "the frozen blocks contain Dropout, which trains in TorchSharp only"
            : module.CanStartAt(frozenBlocks);
        OnnxRuntimeFeatureExtractor? session = null;
        string boundary = reason is null ? module.Blocks[frozenBlocks - 1].OutputName : "";
        if (reason is null)
        {
            try
            {
                session = new OnnxRuntimeFeatureExtractor(GraphSurgery.CutAt(featureGraph, boundary),
                    new OnnxRuntimeOptions { IntraOpThreads = threads, AllowSpinning = false });
            }
            catch (Exception e) when (e is OnnxModelException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                reason = $"ONNX Runtime cannot run the frozen blocks: {e.Message}";
            }
        }
        if (session is null)
        {
            logger.LogInformation("Phase {Phase}: the {Frozen} frozen blocks run in TorchSharp ({Reason})", phase, frozenBlocks, reason);
            return null;
        }
        logger.LogInformation("Phase {Phase}: the {Frozen} frozen blocks of {Blocks} run in ONNX Runtime up to '{Boundary}', the rest in TorchSharp",
            phase, frozenBlocks, module.Blocks.Count, boundary);
        return new FrozenPrefix(session, frozenBlocks, boundary);
    }

    /// <summary>The boundary tensor for a batch of images (contiguous float32 on the CPU): ONNX Runtime reads the
    /// images' memory and writes into the new tensor's, so nothing is copied. In the caller's dispose scope.</summary>
    public Tensor Run(Tensor images)
    {
        if (images.dtype != ScalarType.Float32 || images.device_type != TorchSharp.DeviceType.CPU || images.dim() != 4)
            throw new ArgumentException($"The frozen prefix reads float32 CPU images [N,C,H,W], not a {images.dtype} {images.device_type} tensor of shape [{string.Join(", ", images.shape)}].");
        Tensor input = images.is_contiguous() ? images : images.contiguous();
        long count = input.shape[0];
        Tensor output = empty([count, .. _boundaryShape], ScalarType.Float32);
        ReadOnlySpan<float> source = MemoryMarshal.Cast<byte, float>(input.bytes);
        Span<float> target = MemoryMarshal.Cast<byte, float>(output.bytes);
        _session.Extract(source, checked((int)Math.Max(1, count)), target);
        if (!ReferenceEquals(input, images)) input.Dispose();
        return output;
    }

    /// <summary>The boundary tensor for <paramref name="count"/> images in NCHW float32 memory (a loader batch's
    /// buffer): ONNX Runtime reads them where they are, with no copy into a tensor first. In the caller's dispose
    /// scope, if any.</summary>
    public Tensor Run(ReadOnlySpan<float> images, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Tensor output = empty([count, .. _boundaryShape], ScalarType.Float32);
        try
        {
            if (count > 0) _session.Extract(images, count, MemoryMarshal.Cast<byte, float>(output.bytes));
        }
        catch
        {
            output.Dispose();
            throw;
        }
        return output;
    }

    public void Dispose() => _session.Dispose();
}
