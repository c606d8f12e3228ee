using System.CommandLine;
using System.Globalization;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Cli;

/// <summary>
/// The options that choose a backbone on the command line: <c>--weights</c> or <c>--backbone</c>, the feature tensor
/// and the preprocessing its input expects. Errors are told in these options' words, not the API's.
/// </summary>
internal sealed class BackboneArguments
{
    private readonly Option<string?> _weights = new("--weights")
    {
        Description = "Path of a pretrained ONNX CNN to use as backbone (e.g. ../shared/models/mobilenetv2-imagenet.onnx); " +
                      "with or without its classifier.",
    };

    private readonly Option<string?> _name = new("--backbone")
    {
        Description = $"A catalog backbone ({string.Join(", ", BackboneCatalog.All.Select(b => b.Name))}), verified and cached on first use; see `tl backbones`.",
    };

    private readonly Option<string?> _featureTensor = new("--feature-tensor")
    {
        Description = "The tensor the new head reads. Default: the input of the graph's classifier, or the graph output " +
                      "when the graph has none (a headless backbone).",
    };

    private readonly Option<string?> _channelOrder = new("--channel-order")
    {
        Description = "Channel order of the backbone's input: rgb or bgr. Default: the catalog entry's, else rgb.",
    };

    private readonly Option<double?> _pixelScale = new("--pixel-scale")
    {
        Description = "Pixel range before --mean/--std: 1 (pixels in [0,1], torchvision/Keras) or 255 (0-255, Caffe/CNTK). Default 1.",
    };

    private readonly Option<string?> _mean = new("--mean")
    {
        Description = "Per-channel mean subtracted, in --channel-order and --pixel-scale units: one value or three, comma-separated " +
                      "(e.g. 0.485,0.456,0.406). Default: ImageNet's, or the catalog entry's.",
    };

    private readonly Option<string?> _std = new("--std")
    {
        Description = "Per-channel divisor after the mean, same units as --mean (e.g. 0.229,0.224,0.225; 1 for Caffe/CNTK models).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _weights, _name, _featureTensor, _channelOrder, _pixelScale, _mean, _std })
            command.Options.Add(option);
    }

    /// <summary>The backbone the options name, with their feature tensor and preprocessing.</summary>
    /// <exception cref="ArgumentException">Options missing, contradictory or malformed; the message names the option.</exception>
    /// <exception cref="OnnxModelException">The graph or the named tensor is unusable; the message names the option.</exception>
    /// <summary>The backbone as the user named it: the --weights file or the --backbone name.</summary>
    public string Named(ParseResult parse) => parse.GetValue(_weights) is { Length: > 0 } weights ? weights : parse.GetValue(_name) ?? "the backbone";

    public Backbone Resolve(ParseResult parse, IProgress<DownloadProgress>? download, CancellationToken cancellationToken)
    {
        string? weights = parse.GetValue(_weights), name = parse.GetValue(_name), tensor = parse.GetValue(_featureTensor);
        if (weights is { Length: > 0 } && name is { Length: > 0 })
            throw new ArgumentException($"--weights {weights} and --backbone {name}: pass one of them, not both.");
        if (weights is not { Length: > 0 } && name is not { Length: > 0 })
            throw new ArgumentException("Pass --weights <model.onnx> (any ONNX CNN) or --backbone <name> (see `tl backbones`).");

        Backbone backbone;
        try
        {
            if (weights is { Length: > 0 })
            {
                if (!File.Exists(weights))
                    throw new FileNotFoundException($"--weights {weights}: no such file. Give the path of an ONNX model (e.g. --weights mobilenetv2-imagenet.onnx).", weights);
                backbone = Backbone.FromOnnx(weights, new BackboneOptions { FeatureTensor = tensor });
            }
            else
            {
                backbone = Backbone.FromCatalog(name!, progress: download, cancellationToken: cancellationToken);
                if (tensor is { Length: > 0 })
                    backbone = Backbone.FromModel(backbone.Model, new BackboneOptions
                    {
                        Name = backbone.Name, FeatureTensor = tensor, Preprocessing = backbone.Preprocessing,
                    });
            }
        }
        catch (OnnxModelException e)
        {
            string message = e.Message.Replace("BackboneOptions.FeatureTensor", "--feature-tensor <name>", StringComparison.Ordinal);
            if (message.Contains("no backbone to extract features from", StringComparison.Ordinal))
                message += " Give --weights an ONNX CNN whose input is a batch of images (N×C×H×W).";
            throw new OnnxModelException(tensor is { Length: > 0 } ? $"--feature-tensor {tensor}: {message}" : message, e.FilePath);
        }

        var preprocessing = Preprocessing(parse, backbone.Preprocessing);
        return preprocessing == backbone.Preprocessing ? backbone : backbone.WithPreprocessing(preprocessing);
    }

    private ImagePreprocessing Preprocessing(ParseResult parse, ImagePreprocessing current)
    {
        string? order = parse.GetValue(_channelOrder), mean = parse.GetValue(_mean), std = parse.GetValue(_std);
        double? scale = parse.GetValue(_pixelScale);
        if (order is null && mean is null && std is null && scale is null) return current;

        var channelOrder = order?.Trim().ToLowerInvariant() switch
        {
            null => current.ChannelOrder,
            "rgb" => ChannelOrder.RGB,
            "bgr" => ChannelOrder.BGR,
            _ => throw new ArgumentException($"--channel-order {order}: use rgb or bgr."),
        };
        double pixelScale = scale ?? 1;
        if (pixelScale is not (1 or 255))
            throw new ArgumentException($"--pixel-scale {pixelScale}: use 1 (pixels in [0,1]) or 255 (pixels 0-255).");
        if ((mean is null) != (std is null))
            throw new ArgumentException(mean is null
                ? "--std was given without --mean: give both (e.g. --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225)."
                : "--mean was given without --std: give both (e.g. --mean 114.5 --std 1 --pixel-scale 255 for CNTK/Caffe models).");
        var normalization = current.Normalization;
        if (mean is not null)
        {
            float[] means = Values(mean, "--mean"), stds = Values(std!, "--std");
            if (stds.Any(s => !(s > 0))) throw new ArgumentException($"--std {std}: every value must be positive.");
            normalization = new Normalization(
                means.Select(m => (float)(m / pixelScale)).ToArray(), stds.Select(s => (float)(s / pixelScale)).ToArray());
        }
        else if (scale is not null && pixelScale != 1)
            throw new ArgumentException("--pixel-scale 255 needs --mean and --std in 0-255 units (e.g. --mean 114.5 --std 1).");
        else if (channelOrder != current.ChannelOrder)
            normalization = normalization.Reversed(); // the same statistics, listed in the new plane order
        var result = current with { ChannelOrder = channelOrder, Normalization = normalization };
        try { result.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"--mean/--std: {e.Message.Replace("ImagePreprocessing.Normalization", "the normalisation", StringComparison.Ordinal)}"); }
        return result;
    }

    private static float[] Values(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new ArgumentException($"{option} {text}: '{parts[i]}' is not a number; give one value or three, comma-separated.");
        if (values.Length is not (1 or 3))
            throw new ArgumentException($"{option} {text}: give one value or three (one per channel), comma-separated.");
        return values;
    }
}
