using TransferLearning.ML.Backbones;

namespace TransferLearning.ML.Samples;

/// <summary>Resolves a sample's backbone: <c>--weights</c>, else the study's catalog architecture (cached or downloaded).</summary>
public static class SampleBackbone
{
    /// <exception cref="BackboneUnavailableException">The catalog backbone is unavailable; the message says what to
    /// download and where, and suggests the MobileNetV2 weights in shared/ when they are present.</exception>
    public static Backbone Resolve(SampleArguments arguments, BackboneOptions? options = null)
    {
        if (arguments.Weights is { Length: > 0 } weights)
        {
            if (!File.Exists(weights))
                throw new FileNotFoundException($"--weights {weights}: no such file.", weights);
            return Backbone.FromOnnx(weights, options);
        }
        try
        {
            var progress = new Progress<DownloadProgress>(p =>
            {
                if (p.Fraction is double f) Console.Write($"\rdownloading {p.Backbone}: {f:P0}   ");
            });
            return Backbone.FromCatalog(arguments.Backbone, progress: progress);
        }
        catch (BackboneUnavailableException e)
        {
            string? local = SharedPaths.Model("mobilenetv2-imagenet.onnx");
            if (local is not null && BackboneCatalog.Get(arguments.Backbone).Name == "mobilenet_v2")
            {
                // the same architecture with ImageNet weights (torchvision's, BatchNorm folded), already on this machine
                Console.WriteLine($"{e.Message}\nUsing the MobileNetV2 ImageNet weights in shared/ instead: {local}");
                return Backbone.FromOnnx(local, options);
            }
            string hint = local is null ? "" : $"\nOn this machine you can run the sample with pretrained MobileNetV2 weights instead: --weights {local}";
            throw new BackboneUnavailableException(e.Message + hint, e);
        }
    }
}
