namespace TransferLearning.ML.Backbones;

/// <summary>
/// The backbones the library knows by name. Every entry is an ONNX file; any other ONNX CNN can be used through
/// <c>Backbone.FromOnnx(path)</c> without being in the catalog.
/// </summary>
/// <remarks>
/// Download addresses point at the ONNX Model Zoo (github.com/onnx/models, Apache-2.0). Checksums are listed only
/// where the file's SHA-256 was verified by this project; for the others, download the file yourself, check it, and
/// place it in the weight cache (see <see cref="WeightStore"/>) or pass its path.
/// </remarks>
public static class BackboneCatalog
{
    private const string Zoo = "https://github.com/onnx/models/raw/main/validated/vision/classification/";

    /// <summary>All catalog entries, in a stable order.</summary>
    public static IReadOnlyList<BackboneDescriptor> All { get; } =
    [
        new("vgg16", "VGG16", new Uri(Zoo + "vgg/model/vgg16-12.onnx"), null, "vgg16.onnx", 224, "imagenet", 512,
            "Apache-2.0 (ONNX Model Zoo)", "Simonyan & Zisserman 2014; 138 M parameters, 15.5 GFLOPs per image."),
        new("vgg19", "VGG19", new Uri(Zoo + "vgg/model/vgg19-7.onnx"), null, "vgg19.onnx", 224, "imagenet", 512,
            "Apache-2.0 (ONNX Model Zoo)", "Simonyan & Zisserman 2014; 144 M parameters, 19.6 GFLOPs per image."),
        new("resnet18", "ResNet18", new Uri(Zoo + "resnet/model/resnet18-v1-7.onnx"), null, "resnet18.onnx", 224, "imagenet", 512,
            "Apache-2.0 (ONNX Model Zoo)", "He et al. 2015."),
        new("resnet50", "ResNet50", new Uri(Zoo + "resnet/model/resnet50-v1-12.onnx"), null, "resnet50.onnx", 224, "imagenet", 2048,
            "Apache-2.0 (ONNX Model Zoo)", "He et al. 2015; 25.6 M parameters."),
        new("inception_v3", "Inception V3", null, null, "inception_v3.onnx", 299, "imagenet", 2048,
            "depends on the source", "No public ONNX download is known; export torchvision's inception_v3 with torch.onnx.export (see docs/onnx-backbones.md)."),
        new("densenet121", "DenseNet121", new Uri(Zoo + "densenet-121/model/densenet-12.onnx"), null, "densenet121.onnx", 224, "imagenet", 1024,
            "Apache-2.0 (ONNX Model Zoo)", "Huang et al. 2016."),
        new("efficientnet_b0", "EfficientNet-B0", null, null, "efficientnet_b0.onnx", 224, "imagenet", 1280,
            "depends on the source", "Export torchvision's efficientnet_b0 with torch.onnx.export (see docs/onnx-backbones.md)."),
        new("mobilenet_v2", "MobileNetV2 (int8)", new Uri(Zoo + "mobilenet/model/mobilenetv2-12-int8.onnx"),
            "83530ad811bc31d2b60a5599a21265a5057608c9b044b4ee758cc22f2309f54f", "mobilenetv2-12-int8.onnx", 224, "imagenet", 1280,
            "Apache-2.0 (ONNX Model Zoo)", "Sandler et al. 2018; QOperator int8 model, imported as float32 for training."),
    ];

    /// <summary>The entry called <paramref name="name"/> (case-insensitive; '-' and '_' are interchangeable).</summary>
    /// <exception cref="ArgumentException">No entry has that name; the message lists the names there are.</exception>
    public static BackboneDescriptor Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string key = Normalize(name);
        return All.FirstOrDefault(d => Normalize(d.Name) == key)
            ?? throw new ArgumentException(
                $"Unknown backbone '{name}'. Known backbones: {string.Join(", ", All.Select(d => d.Name))}; " +
                "or pass the path of any ONNX CNN.", nameof(name));
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('-', '_');
}
