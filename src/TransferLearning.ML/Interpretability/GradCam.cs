using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

namespace TransferLearning.ML.Interpretability;

/// <summary>
/// Grad-CAM (Selvaraju et al., 2017) for any ONNX CNN classifier: the activations A of a convolutional map are
/// weighted by the spatial mean of d(class score)/dA, summed over channels, passed through ReLU, upsampled
/// bilinearly to the input size and normalised to [0, 1]. The graph is compiled once into a TorchSharp
/// <see cref="OnnxModule"/> with every weight frozen, and only the layers after the map record gradients, so one
/// heatmap costs about one forward and a partial backward pass. See docs/metrics-and-report.md.
/// </summary>
/// <remarks>Calls are serialised by a lock; create one instance per thread for parallel work.</remarks>
public sealed class GradCam : IDisposable
{
    private readonly OnnxModule _module;
    private readonly Func<float[], int> _decide;
    private readonly ImageDecoder _decoder = new();

    /// <summary>
    /// The pixel budget of the images explained (see <see cref="ImageDecoder.MaxPixels"/>); a Grad-CAM made by
    /// <see cref="TransferModelGradCamExtensions.CreateGradCam"/> starts with the model's <see cref="TransferModel.MaxImagePixels"/>.
    /// Default <see cref="ImageDecoder.DefaultMaxPixels"/>.
    /// </summary>
    public long MaxImagePixels { get => _decoder.MaxPixels; set => _decoder.MaxPixels = value; }
    private readonly DecodedImage _decoded = new();
    private readonly Tensorizer _tensorizer;
    private readonly float[] _input;
    private readonly Lock _gate = new();
    private bool _disposed;

    private GradCam(OnnxModel model, ImagePreprocessing preprocessing, GradCamOptions options, Func<float[], int> decide)
    {
        preprocessing.Validate();
        OutputName = options.OutputName ?? GradCamTarget.ScoreTensor(model);
        LayerName = options.TargetLayer ?? GradCamTarget.LastConvolutionalMap(model, OutputName);
        Preprocessing = preprocessing;
        _decide = decide;
        _tensorizer = new Tensorizer(preprocessing);
        _input = new float[preprocessing.ValuesPerImage];
        _module = OnnxModule.FromModel(model.Proto, new OnnxModuleOptions { OutputName = OutputName });
        try
        {
            _module.FreezeAllButLastBlocks(0);
            _module.eval();
        }
        catch
        {
            _module.Dispose();
            throw;
        }
    }

    /// <summary>Grad-CAM for a plain ONNX classifier file (e.g. an ImageNet MobileNetV2 with output <c>logits</c>).</summary>
    /// <param name="path">The .onnx file (external data beside it is read).</param>
    /// <param name="options">Target layer, score tensor and preprocessing; default <c>null</c>: the defaults of <see cref="GradCamOptions"/>.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxModelException">The file is not a valid ONNX model.</exception>
    /// <exception cref="ArgumentException">No convolutional map was found and none was named, or the preprocessing is invalid.</exception>
    /// <exception cref="OnnxModuleException">The graph uses an operator the TorchSharp executor lacks, or a named tensor does not exist.</exception>
    public static GradCam FromOnnx(string path, GradCamOptions? options = null)
    {
        options ??= new GradCamOptions();
        return new GradCam(OnnxModel.Load(path), options.Preprocessing ?? new ImagePreprocessing(), options, ArgMax);
    }

    /// <summary>
    /// Grad-CAM for a trained <see cref="TransferModel"/>: its own preprocessing, scores from <c>logits</c>, and
    /// by default the class the model predicts (with its decision threshold for two classes).
    /// </summary>
    /// <param name="model">The trained classifier.</param>
    /// <param name="options">Target layer and score tensor; default <c>null</c>: the defaults of <see cref="GradCamOptions"/> (its preprocessing is ignored).</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">No convolutional map was found and none was named.</exception>
    /// <exception cref="OnnxModuleException">The graph uses an operator the TorchSharp executor lacks, or a named tensor does not exist.</exception>
    public static GradCam For(TransferModel model, GradCamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new GradCamOptions();
        return new GradCam(OnnxModel.FromBytes(model.ToOnnxBytes()), model.Preprocessing, options, p => model.Decide(p));
    }

    /// <summary>The ONNX name of the convolutional map explained.</summary>
    public string LayerName { get; }

    /// <summary>The tensor holding the class scores.</summary>
    public string OutputName { get; }

    /// <summary>How images become the network input.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>Grad-CAM of the image file at <paramref name="path"/>.</summary>
    /// <param name="path">A PNG, JPEG or BMP file.</param>
    /// <param name="classIndex">The class to explain; default <c>null</c>: the predicted class.</param>
    /// <exception cref="ImageDataException">The file is missing or not a readable image.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classIndex"/> is not a class of the model.</exception>
    public GradCamResult Compute(string path, int? classIndex = null) => Compute(ImageSource.FromFile(path), classIndex);

    /// <summary>Grad-CAM of one image.</summary>
    /// <param name="source">The encoded image.</param>
    /// <param name="classIndex">The class to explain; default <c>null</c>: the predicted class.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    /// <exception cref="ImageDataException">The image is not readable.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="classIndex"/> is not a class of the model.</exception>
    /// <exception cref="InvalidOperationException">The target layer is not a 4-D [N, C, H, W] map.</exception>
    public GradCamResult Compute(ImageSource source, int? classIndex = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _decoder.Decode(source, _decoded, Preprocessing);
            _tensorizer.Write(_decoded, _input);
            int height = Preprocessing.Height, width = Preprocessing.Width;
            float[] cam;
            float[] scores;
            int target;
            using (NewDisposeScope())
            {
                using var enableGrad = enable_grad();
                Tensor x = tensor(_input, [1, Preprocessing.Channels, height, width]);
                Tensor logits = _module.Forward(x, [LayerName], out var extras, extrasAsGradientLeaves: true);
                Tensor activations = extras[LayerName];
                if (activations.dim() != 4)
                    throw new InvalidOperationException(
                        $"Grad-CAM layer '{LayerName}' has shape [{string.Join(", ", activations.shape)}]; name a 4-D [N, C, H, W] convolutional map in GradCamOptions.TargetLayer.");
                scores = logits.detach().reshape(-1).data<float>().ToArray();
                target = classIndex ?? _decide(Softmax(scores));
                if (target < 0 || target >= scores.Length)
                    throw new ArgumentOutOfRangeException(nameof(classIndex), target, $"The model has {scores.Length} classes: pass a class index from 0 to {scores.Length - 1}.");
                logits.reshape(-1)[target].backward();
                using var noGrad = no_grad();
                Tensor gradients = activations.grad
                    ?? throw new InvalidOperationException($"No gradient reached '{LayerName}': the score '{OutputName}' does not depend on it.");
                Tensor weights = gradients.mean([2, 3], keepdim: true);
                Tensor map = (weights * activations).sum(1, keepdim: true).relu();
                Tensor upsampled = nn.functional.interpolate(map, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
                cam = upsampled.reshape(-1).data<float>().ToArray();
            }
            return new GradCamResult(Normalise(cam, height, width), target, scores[target], Softmax(scores)[target], LayerName, InputImage());
        }
    }

    /// <summary>The tensorised input with normalisation undone, as 8-bit RGB for the overlay.</summary>
    private DecodedImage InputImage()
    {
        int plane = Preprocessing.Width * Preprocessing.Height, channels = Preprocessing.Channels;
        var normalization = Preprocessing.Normalization;
        var rgb = new byte[plane * 3];
        for (int c = 0; c < 3; c++)
        {
            int sourcePlane = channels == 1 ? 0 : Preprocessing.ChannelOrder == ChannelOrder.BGR ? 2 - c : c;
            float std = normalization.StdOf(sourcePlane), mean = normalization.MeanOf(sourcePlane);
            int offset = sourcePlane * plane;
            for (int i = 0; i < plane; i++)
                rgb[i * 3 + c] = (byte)Math.Round(Math.Clamp(_input[offset + i] * std + mean, 0f, 1f) * 255f);
        }
        return new DecodedImage(Preprocessing.Width, Preprocessing.Height, 3, rgb);
    }

    private static float[,] Normalise(float[] cam, int height, int width)
    {
        float min = cam.Min(), max = cam.Max();
        float range = max - min;
        var heatmap = new float[height, width];
        if (!(range > 0) || !float.IsFinite(range)) return heatmap;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                heatmap[y, x] = (cam[y * width + x] - min) / range;
        return heatmap;
    }

    private static float[] Softmax(float[] scores)
    {
        float max = scores.Max();
        var p = new float[scores.Length];
        double sum = 0;
        for (int k = 0; k < p.Length; k++) sum += p[k] = MathF.Exp(scores[k] - max);
        for (int k = 0; k < p.Length; k++) p[k] = (float)(p[k] / sum);
        return p;
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++) if (values[k] > values[best]) best = k;
        return best;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _module.Dispose();
        }
    }
}
