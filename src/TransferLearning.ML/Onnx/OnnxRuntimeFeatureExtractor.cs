using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Runs a frozen backbone (a model cut at its feature tensor with <see cref="GraphSurgery.CutAt"/>) in ONNX Runtime
/// and writes one flattened feature vector per image. Inputs and outputs are bound to the caller's memory, so a
/// call allocates nothing per image. Concurrent <see cref="Extract(ReadOnlySpan{float}, int, Span{float}, CancellationToken)"/>
/// calls are safe (ONNX Runtime sessions are thread-safe).
/// </summary>
public sealed class OnnxRuntimeFeatureExtractor : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _imageLength;
    private readonly int[] _inputShape;
    private readonly long[] _featureShape;
    private bool _disposed;

    /// <summary>Creates an ONNX Runtime session for <paramref name="model"/>.</summary>
    /// <param name="model">A model with one image input <c>[N,C,H,W]</c> (fixed C, H, W) and one float output: the
    /// feature tensor, e.g. <c>GraphSurgery.CutAt(model, GraphSurgery.FindFeatureTensor(model).Name)</c>.</param>
    /// <param name="options">Threads and optimisation level; default <see cref="OnnxRuntimeOptions"/>'s defaults.</param>
    /// <exception cref="OnnxModelException">The model has not exactly one input and one output, the input is not
    /// a float image with fixed channels, height and width, the output is not float, or ONNX Runtime rejects
    /// the graph.</exception>
    public OnnxRuntimeFeatureExtractor(OnnxModel model, OnnxRuntimeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxRuntimeOptions();
        string what = model.FilePath is null ? "The model" : $"'{model.FilePath}'";
        var inputs = model.Inputs;
        var outputs = model.Outputs;
        if (inputs.Count != 1 || outputs.Count != 1)
            throw new OnnxModelException(
                $"{what} has {inputs.Count} input(s) and {outputs.Count} output(s); feature extraction needs one image " +
                "input and one feature output: cut the model first with GraphSurgery.CutAt(model, " +
                "GraphSurgery.FindFeatureTensor(model).Name), and materialize parameter inputs of graph-only exports.",
                model.FilePath);
        var input = inputs[0];
        if (input.ElementType != TensorElementType.Float || input.Rank != 4 || input.Dimensions.Skip(1).Any(d => d is null or <= 0))
            throw new OnnxModelException(
                $"{what}: input {input} is not a float image [N,C,H,W] with fixed C, H and W; re-export the model " +
                "with a fixed image size.", model.FilePath);
        if (outputs[0].ElementType != TensorElementType.Float)
            throw new OnnxModelException(
                $"{what}: output {outputs[0]} is not float; cut the model at a float tensor.", model.FilePath);

        _inputShape = input.Dimensions.Skip(1).Select(d => checked((int)d!.Value)).ToArray();
        _imageLength = _inputShape[0] * _inputShape[1] * _inputShape[2];
        long[] featureShape = outputs[0].Dimensions.Skip(1).All(d => d is not null)
            ? outputs[0].Dimensions.Skip(1).Select(d => d!.Value).ToArray()
            : GraphSurgery.DescribeTensor(model, outputs[0].Name).Shape;
        _featureShape = featureShape;
        FeatureLength = checked((int)featureShape.Aggregate(1L, (a, b) => a * b));
        _inputNames = [input.Name];
        _outputNames = [outputs[0].Name];

        byte[] bytes = GraphSurgery.WithDynamicBatch(model).ToBytes();
        using var sessionOptions = options.ToSessionOptions();
        try
        {
            _session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            _runOptions.Dispose();
            throw new OnnxModelException($"ONNX Runtime cannot run {what}: {e.Message}", model.FilePath, innerException: e);
        }
    }

    /// <summary>The number of feature values per image (the output's shape without the batch, multiplied out).</summary>
    public int FeatureLength { get; }

    /// <summary>The output's shape without the batch, e.g. <c>[1280,1,1]</c> (a copy).</summary>
    public long[] FeatureShape => (long[])_featureShape.Clone();

    /// <summary>The image shape the model expects: channels, height, width (a copy).</summary>
    public int[] InputShape => (int[])_inputShape.Clone();

    /// <summary>
    /// Extracts features for <c>images.Length / (C*H*W)</c> images, <paramref name="batchSize"/> at a time.
    /// </summary>
    /// <param name="images">Preprocessed images, NCHW, one after the other.</param>
    /// <param name="batchSize">Images per ONNX Runtime call (at least 1); the last batch may be smaller.</param>
    /// <param name="features">Receives <see cref="FeatureLength"/> values per image.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ArgumentException">The lengths do not match whole images or the feature buffer's size.</exception>
    /// <exception cref="ObjectDisposedException">The extractor was disposed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between batches.</exception>
    public unsafe void Extract(ReadOnlySpan<float> images, int batchSize, Span<float> features,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (images.Length % _imageLength != 0)
            throw new ArgumentException(
                $"images holds {images.Length} values, not a whole number of {string.Join("x", _inputShape)} images.",
                nameof(images));
        int count = images.Length / _imageLength;
        if (features.Length != (long)count * FeatureLength)
            throw new ArgumentException(
                $"features holds {features.Length} values; {count} image(s) need {(long)count * FeatureLength} ({FeatureLength} each).",
                nameof(features));

        long[] inputShape = [batchSize, _inputShape[0], _inputShape[1], _inputShape[2]];
        long[] outputShape = [batchSize, .. _featureShape];
        fixed (float* imagePointer = images)
        fixed (float* featurePointer = features)
        {
            for (int start = 0; start < count; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, count - start);
                inputShape[0] = n;
                outputShape[0] = n;
                using var input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                    inputShape, (IntPtr)(imagePointer + (long)start * _imageLength), (long)n * _imageLength * sizeof(float));
                using var output = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                    outputShape, (IntPtr)(featurePointer + (long)start * FeatureLength), (long)n * FeatureLength * sizeof(float));
                _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
            }
        }
    }

    /// <summary>Extracts features into a new array; see <see cref="Extract(ReadOnlySpan{float}, int, Span{float}, CancellationToken)"/>.</summary>
    /// <returns><see cref="FeatureLength"/> values per image.</returns>
    public float[] Extract(float[] images, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var features = new float[images.Length / _imageLength * FeatureLength];
        Extract(images.AsSpan(), batchSize, features, cancellationToken);
        return features;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
    }
}
