using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.MLNet;

/// <summary>
/// The ML.NET custom mappings that turn an image column into the classifier's input with this library's decoder
/// and <see cref="Tensorizer"/>, so ML.NET scoring sees exactly the pixels <see cref="TransferModel.Predict(string)"/>
/// sees. ML.NET saves a custom mapping by its contract name and needs this assembly registered to load it:
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(TransferLearningCatalog).Assembly)</c>. The preprocessing
/// travels in a constant text column (<see cref="SpecColumn"/>), because a mapping factory has no parameters.
/// </summary>
public static class ImagePixelsMapping
{
    /// <summary>Contract name of the mapping from an image path.</summary>
    public const string FromPathContract = "TransferLearning.ML.ImagePixelsFromPath";

    /// <summary>Contract name of the mapping from encoded image bytes.</summary>
    public const string FromBytesContract = "TransferLearning.ML.ImagePixelsFromBytes";

    /// <summary>Contract name of the marker column added for a bytes image column (an expression needs a scalar input).</summary>
    public const string MarkerContract = "TransferLearning.ML.ImageMarker";

    /// <summary>Contract name of the mapping from class probabilities to the argmax class index.</summary>
    public const string ArgMaxContract = "TransferLearning.ML.ArgMax";

    internal const string ImageColumn = "tl_image";
    internal const string MarkerColumn = "tl_marker";
    internal const string ScoreColumn = "probabilities";
    internal const string IndexColumn = "tl_index";
    internal const string SpecColumn = "tl_spec";
    internal const string PixelsColumn = "tl_pixels";

    /// <summary>The preprocessing as one line without quotes, for an ML.NET expression literal.</summary>
    internal static string Describe(ImagePreprocessing p)
    {
        int channels = p.Channels;
        string Join(Func<int, float> f) => string.Join(' ', Enumerable.Range(0, channels).Select(c => f(c).ToString("R", CultureInfo.InvariantCulture)));
        return $"{p.Width};{p.Height};{p.ResizeMode};{p.ChannelOrder};{channels};{Join(p.Normalization.MeanOf)};{Join(p.Normalization.StdOf)}";
    }

    internal static ImagePreprocessing Parse(string spec)
    {
        string[] parts = spec.Split(';');
        float[] Floats(string text) => text.Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new ImagePreprocessing
        {
            Width = int.Parse(parts[0], CultureInfo.InvariantCulture),
            Height = int.Parse(parts[1], CultureInfo.InvariantCulture),
            ResizeMode = Enum.Parse<ResizeMode>(parts[2]),
            ChannelOrder = Enum.Parse<ChannelOrder>(parts[3]),
            Channels = int.Parse(parts[4], CultureInfo.InvariantCulture),
            Normalization = new Normalization(Floats(parts[5]), Floats(parts[6])),
        };
    }

    /// <summary>Decoder and tensorizer per thread and preprocessing; ML.NET may call a mapping from several cursors at once.</summary>
    internal sealed class Preprocessor
    {
        private readonly ThreadLocal<(string Spec, ImageDecoder Decoder, DecodedImage Image, Tensorizer Tensorizer)?> _state = new();

        public float[] Pixels(ImageSource source, string spec)
        {
            if (_state.Value is not { } state || state.Spec != spec)
                _state.Value = state = (spec, new ImageDecoder(), new DecodedImage(), new Tensorizer(Parse(spec)));
            state.Decoder.Decode(source, state.Image, state.Tensorizer.Preprocessing);
            var pixels = new float[state.Tensorizer.Preprocessing.ValuesPerImage];
            state.Tensorizer.Write(state.Image, pixels);
            return pixels;
        }
    }
}

/// <summary>Input row of <see cref="ImagePixelsMapping.FromPathContract"/>.</summary>
public sealed class ImagePathRow
{
    /// <summary>The image file.</summary>
    [ColumnName(ImagePixelsMapping.ImageColumn)]
    public string Image { get; set; } = "";

    /// <summary>The preprocessing, as written by the pipeline.</summary>
    [ColumnName(ImagePixelsMapping.SpecColumn)]
    public string Spec { get; set; } = "";
}

/// <summary>Input row of <see cref="ImagePixelsMapping.FromBytesContract"/>.</summary>
public sealed class ImageBytesRow
{
    /// <summary>The encoded image (PNG, JPEG, BMP).</summary>
    [ColumnName(ImagePixelsMapping.ImageColumn), VectorType]
    public byte[] Image { get; set; } = [];

    /// <summary>The preprocessing, as written by the pipeline.</summary>
    [ColumnName(ImagePixelsMapping.SpecColumn)]
    public string Spec { get; set; } = "";
}

/// <summary>Output row of the pixel mappings: the normalised CHW planes.</summary>
public sealed class ImagePixelsRow
{
    /// <summary>The classifier input, <c>Channels · Height · Width</c> floats.</summary>
    [ColumnName(ImagePixelsMapping.PixelsColumn), VectorType]
    public float[] Pixels { get; set; } = [];
}

/// <summary>ML.NET factory of the path mapping (found by its contract name when a saved pipeline is loaded).</summary>
[CustomMappingFactoryAttribute(ImagePixelsMapping.FromPathContract)]
public sealed class ImagePathPixelsFactory : CustomMappingFactory<ImagePathRow, ImagePixelsRow>
{
    /// <inheritdoc/>
    public override Action<ImagePathRow, ImagePixelsRow> GetMapping()
    {
        var preprocessor = new ImagePixelsMapping.Preprocessor();
        return (input, output) => output.Pixels = preprocessor.Pixels(ImageSource.FromFile(input.Image), input.Spec);
    }
}

/// <summary>ML.NET factory of the bytes mapping (found by its contract name when a saved pipeline is loaded).</summary>
[CustomMappingFactoryAttribute(ImagePixelsMapping.FromBytesContract)]
public sealed class ImageBytesPixelsFactory : CustomMappingFactory<ImageBytesRow, ImagePixelsRow>
{
    /// <inheritdoc/>
    public override Action<ImageBytesRow, ImagePixelsRow> GetMapping()
    {
        var preprocessor = new ImagePixelsMapping.Preprocessor();
        return (input, output) => output.Pixels = preprocessor.Pixels(ImageSource.FromBytes(input.Image, "image bytes"), input.Spec);
    }
}
