using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Models;

/// <summary>
/// A trained classifier: one ONNX graph (backbone with trained weights, new head, softmax) plus the class names,
/// preprocessing, decision threshold and provenance it needs. Predictions run in ONNX Runtime; one instance can be
/// shared by many threads.
/// </summary>
public sealed partial class TransferModel : IDisposable
{
    private readonly byte[] _onnx;
    private readonly Lazy<InferenceSession> _session;
    private static readonly string[] s_outputNames = [ClassifierOutputs.Probabilities];
    private readonly ConcurrentBag<PredictionWorkspace> _workspaces = [];
    private readonly ConcurrentBag<PredictionWorkspace> _allWorkspaces = [];
    private readonly string _inputName;
    private readonly string[] _inputNames;
    private bool _disposed;

    internal TransferModel(byte[] onnx, ModelManifest manifest)
    {
        _onnx = onnx;
        Manifest = manifest;
        Preprocessing = manifest.Preprocessing.ToPreprocessing();
        _inputName = manifest.InputName;
        _inputNames = [_inputName];
        _session = new Lazy<InferenceSession>(CreateSession, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    internal ModelManifest Manifest { get; }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames => Manifest.ClassNames;

    /// <summary>How images are turned into the model's input.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>
    /// For two classes: the probability of class 1 at or above which class 1 is predicted (0.5 unless a threshold
    /// was chosen on the validation split). Null for more than two classes (argmax).
    /// </summary>
    public double? DecisionThreshold => Manifest.DecisionThreshold;

    /// <summary>
    /// How <see cref="DecisionThreshold"/> was chosen on the validation split (<see cref="Metrics.ThresholdPolicy.Default"/>,
    /// Youden, a sensitivity or specificity target); null for more than two classes, which predict the argmax.
    /// </summary>
    public ThresholdPolicy? ThresholdPolicy => ML.Metrics.ThresholdPolicy.Parse(Manifest.ThresholdPolicy);

    /// <summary>The backbone's name.</summary>
    public string BackboneName => Manifest.BackboneName;

    /// <summary>SHA-256 of the backbone's original ONNX model.</summary>
    public string BackboneSha256 => Manifest.BackboneSha256;

    /// <summary>How it was trained.</summary>
    public TrainingMode Mode => TrainingModeNames.Parse(Manifest.Mode);

    /// <summary>The validation split's metrics recorded at training time; null without a validation split.</summary>
    public SplitScores? ValidationScores => SplitScores.FromManifest(Manifest.Metrics, "validation");

    /// <summary>The test split's metrics recorded at training time; null without a test split.</summary>
    public SplitScores? TestScores => SplitScores.FromManifest(Manifest.Metrics, "test");

    /// <summary>The training options, as text.</summary>
    public IReadOnlyDictionary<string, string> TrainingOptions => Manifest.TrainingOptions;

    /// <summary>The library version that trained the model.</summary>
    public string LibraryVersion => Manifest.LibraryVersion;

    /// <summary>
    /// The pixel budget of one image given to <c>Predict</c> and the evaluation methods (width × height from its
    /// header): a larger image is refused with <see cref="ImageTooLargeException"/> before any pixel is decoded, so
    /// a tiny "decompression bomb" costs no memory. Default <see cref="ImageDecoder.DefaultMaxPixels"/> (64 megapixels).
    /// Not saved with the model.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    public long MaxImagePixels
    {
        get => Volatile.Read(ref _maxImagePixels);
        set => Volatile.Write(ref _maxImagePixels, value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), value, "MaxImagePixels must be at least 1 (default 64 000 000)."));
    }

    private long _maxImagePixels = ImageDecoder.DefaultMaxPixels;

    /// <summary>
    /// The intra-op threads of the model's ONNX Runtime session. Default <see cref="Environment.ProcessorCount"/> for
    /// a loaded model; a model returned by <c>TransferLearner.Fit</c> starts with the learner's
    /// <c>WithThreads</c> count. The session is created at the first prediction: set this before it. Not saved
    /// with the model.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set below 1.</exception>
    /// <exception cref="InvalidOperationException">Set to another value after the session was created.</exception>
    public int IntraOpThreads
    {
        get => Volatile.Read(ref _intraOpThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(IntraOpThreads));
            lock (_onnx)
            {
                if (value != _intraOpThreads && _session.IsValueCreated)
                    throw new InvalidOperationException(
                        $"IntraOpThreads is {_intraOpThreads} and the ONNX Runtime session already exists (a prediction ran); set it before the first prediction.");
                Volatile.Write(ref _intraOpThreads, value);
            }
        }
    }

    private int _intraOpThreads = Environment.ProcessorCount;

    /// <summary>The intra-op thread count the session was created with; null before the first prediction.</summary>
    internal int? SessionIntraOpThreads { get; private set; }

    /// <summary>The model as ONNX bytes (input <c>NCHW</c> float, outputs <c>logits</c> and <c>probabilities</c>).</summary>
    public byte[] ToOnnxBytes() => (byte[])_onnx.Clone();

    /// <summary>Classifies the image file at <paramref name="path"/>.</summary>
    /// <exception cref="ImageDataException">The file is missing or not a readable image.</exception>
    public Prediction Predict(string path) => Predict(ImageSource.FromFile(path));

    /// <summary>Classifies an encoded image (PNG, JPEG, BMP) held in memory.</summary>
    public Prediction Predict(byte[] encodedImage, string name = "image") => Predict(ImageSource.FromBytes(encodedImage, name));

    /// <summary>Classifies an encoded image read from <paramref name="stream"/>.</summary>
    public Prediction Predict(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return Predict(ImageSource.FromBytes(memory.GetBuffer().AsMemory(0, (int)memory.Length), name));
    }

    /// <summary>Classifies a SkiaSharp bitmap.</summary>
    public Prediction Predict(SKBitmap bitmap)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new ArgumentException("The bitmap could not be encoded (empty or unsupported colour type).", nameof(bitmap));
        return Predict(encoded.ToArray(), "bitmap");
    }

    /// <summary>Classifies an image source.</summary>
    /// <exception cref="ImageDataException">The image is missing or not a readable image.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public Prediction Predict(ImageSource source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(source);
        var session = _session.Value;
        var workspace = Rent();
        try
        {
            workspace.Load(source);
            session.Run(workspace.RunOptions, _inputNames, workspace.InputValues, s_outputNames, workspace.OutputValues);
            float[] probabilities = workspace.Output.ToArray();
            return ToPrediction(probabilities);
        }
        finally
        {
            _workspaces.Add(workspace);
        }
    }

    /// <summary>
    /// Classifies many image files in batches of <paramref name="batchSize"/> (images of a batch are decoded in
    /// parallel); predictions come back in input order and equal single predictions to float rounding.
    /// </summary>
    /// <param name="paths">Image files.</param>
    /// <param name="batchSize">Images per ONNX Runtime call. Default 16.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ImageDataException">A file is missing or not a readable image.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<Prediction> Predict(IEnumerable<string> paths, int batchSize = 16, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var list = paths.ToList();
        int values = Preprocessing.ValuesPerImage, classes = ClassNames.Count;
        var buffer = GC.AllocateUninitializedArray<float>(Math.Min(batchSize, Math.Max(1, list.Count)) * values, pinned: true);
        var result = new List<Prediction>(list.Count);
        for (int start = 0; start < list.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, list.Count - start);
            try
            {
                Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
                {
                    var workspace = Rent();
                    try { workspace.Load(ImageSource.FromFile(list[start + i]), buffer.AsSpan(i * values, values)); }
                    finally { _workspaces.Add(workspace); }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // callers expect the documented ImageDataException, not the parallel loop's wrapper
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
            float[] output = Run(buffer, count);
            for (int i = 0; i < count; i++) result.Add(ToPrediction(output.AsSpan(i * classes, classes).ToArray()));
        }
        return result;
    }

    /// <summary>The predicted class for a row of probabilities, with the decision threshold for two classes.</summary>
    public int Decide(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length == 2 && DecisionThreshold is double threshold)
            return probabilities[1] >= threshold ? 1 : 0;
        int best = 0;
        for (int k = 1; k < probabilities.Length; k++)
            if (probabilities[k] > probabilities[best]) best = k;
        return best;
    }

    /// <summary>Class probabilities of every image of a dataset (labels as the dataset gives them), batched.</summary>
    /// <remarks><c>loaderOptions</c> gives the loader's seed (of the augmentation, when one is given), workers and
    /// decoding choices, e.g. the learner's in <c>Fit</c>; batch size, augmentation, pixel budget and skipping are
    /// set here. Default: <see cref="BatchLoaderOptions"/>'s defaults.</remarks>
    internal (int[] Labels, float[,] Probabilities, int[] SampleIndices) PredictProbabilities(ImageDataset dataset,
        int batchSize = 32, AugmentationPipeline? augmentation = null, int epoch = 0, CancellationToken cancellationToken = default,
        List<SkippedFile>? skipUnreadable = null, BatchLoaderOptions? loaderOptions = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int classes = ClassNames.Count;
        var labels = new int[dataset.Count];
        var indices = new int[dataset.Count];
        var probabilities = new float[dataset.Count, classes];
        int filled = 0;
        using var loader = new ImageBatchLoader(dataset, Preprocessing, (loaderOptions ?? new BatchLoaderOptions()) with
        {
            BatchSize = batchSize, Augmentation = augmentation, Shuffle = false, DropLast = false, MaxImagePixels = MaxImagePixels,
            SkipUnreadableImages = skipUnreadable is not null,
        });
        if (skipUnreadable is not null) loader.ImageSkipped += (_, file) => { lock (skipUnreadable) skipUnreadable.Add(file); };
        foreach (var batch in loader.ReadEpoch(epoch, cancellationToken))
        {
            float[] output = Run(batch.Buffer, batch.Count);
            for (int i = 0; i < batch.Count; i++, filled++)
            {
                labels[filled] = batch.Labels[i];
                indices[filled] = batch.SampleIndices[i];
                for (int k = 0; k < classes; k++) probabilities[filled, k] = output[i * classes + k];
            }
        }
        if (filled < dataset.Count)
        {
            // images were skipped: keep the rows that were predicted
            var kept = new float[filled, classes];
            for (int i = 0; i < filled; i++) for (int k = 0; k < classes; k++) kept[i, k] = probabilities[i, k];
            return (labels[..filled], kept, indices[..filled]);
        }
        return (labels, probabilities, indices);
    }

    /// <summary>Runs a batch given as a span (copied once into a pinned array).</summary>
    internal float[] Run(ReadOnlySpan<float> input, int count) => Run(input.ToArray(), count);

    /// <summary>Runs a batch held in <paramref name="buffer"/> (first <paramref name="count"/> images) without copying it.</summary>
    internal float[] Run(float[] buffer, int count)
    {
        var session = _session.Value;
        int values = count * Preprocessing.ValuesPerImage;
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, values),
            [count, Preprocessing.Channels, Preprocessing.Height, Preprocessing.Width]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, _inputNames, [value], s_outputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private Prediction ToPrediction(float[] probabilities)
    {
        int label = Decide(probabilities);
        return new Prediction(ClassNames[label], label, probabilities);
    }

    private PredictionWorkspace Rent()
    {
        if (_workspaces.TryTake(out var workspace)) return workspace;
        workspace = new PredictionWorkspace(this, Preprocessing, ClassNames.Count);
        _allWorkspaces.Add(workspace);
        return workspace;
    }

    private InferenceSession CreateSession()
    {
        int threads;
        lock (_onnx) threads = _intraOpThreads;
        var session = CreateSession(_onnx, threads);
        SessionIntraOpThreads = threads;
        return session;
    }

    /// <summary>A session on a classifier graph with the options every model uses (also the training preflight's).</summary>
    internal static InferenceSession CreateSession(byte[] onnx, int intraOpThreads)
    {
        using var options = Onnx.QuantizedKernelPrecision.Apply(new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
        });
        return new InferenceSession(onnx, options);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_session.IsValueCreated) _session.Value.Dispose();
        foreach (var workspace in _allWorkspaces) workspace.Dispose();
    }

    /// <summary>
    /// Decoder, buffers and the ONNX Runtime tensors over them for one prediction at a time, pooled so concurrent
    /// callers never share one. The input and output tensors wrap pinned arrays the workspace owns, so a prediction
    /// hands ONNX Runtime the preprocessed image without copying it and allocates only the returned probabilities.
    /// </summary>
    private sealed class PredictionWorkspace : IDisposable
    {
        private readonly TransferModel _model;
        private readonly ImagePreprocessing _preprocessing;
        private readonly ImageDecoder _decoder = new();
        private readonly DecodedImage _image = new();
        private readonly Tensorizer _tensorizer;
        private readonly float[] _input;
        private readonly float[] _output;

        public PredictionWorkspace(TransferModel model, ImagePreprocessing preprocessing, int classes)
        {
            _model = model;
            _preprocessing = preprocessing;
            _tensorizer = new Tensorizer(preprocessing);
            _input = GC.AllocateArray<float>(preprocessing.ValuesPerImage, pinned: true);
            _output = GC.AllocateArray<float>(classes, pinned: true);
            InputValues = [OrtValue.CreateTensorValueFromMemory(_input, [1, preprocessing.Channels, preprocessing.Height, preprocessing.Width])];
            OutputValues = [OrtValue.CreateTensorValueFromMemory(_output, [1, classes])];
        }

        public OrtValue[] InputValues { get; }

        public OrtValue[] OutputValues { get; }

        public RunOptions RunOptions { get; } = new();

        public ReadOnlySpan<float> Output => _output;

        public void Load(ImageSource source) => Load(source, _input);

        public void Load(ImageSource source, Span<float> destination)
        {
            _decoder.MaxPixels = _model.MaxImagePixels;
            _decoder.Decode(source, _image, _preprocessing);
            _tensorizer.Write(_image, destination);
        }

        public void Dispose()
        {
            InputValues[0].Dispose();
            OutputValues[0].Dispose();
            RunOptions.Dispose();
        }
    }
}
