using TransferLearning.ML.Data;

namespace TransferLearning.ML.Backbones;

/// <summary>
/// The backbones the library knows by name. Every entry is an ONNX file; any other ONNX CNN can be used through
/// <c>Backbone.FromOnnx(path)</c> without being in the catalog.
/// </summary>
/// <remarks>
/// Downloads come from the ONNX Model Zoo (github.com/onnx/models, folder <c>validated/vision/classification/</c>);
/// each entry pins the SHA-256 and byte size of the zoo's Git LFS pointer (read at the zoo's commit b1eeaa1a,
/// 2025-06-27), and <see cref="WeightStore"/> refuses any file that does not match them. <c>resnet18</c> is the
/// ImageNet ResNet18 that the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 ships (pinned
/// from that package's file). Each entry's <see cref="BackboneDescriptor.Preprocessing"/> is what its model page
/// states (or, where the page states none, the assumption given in its notes). Images are resized by
/// <see cref="ResizeMode.Stretch"/>, the library's default, not by the pages' resize-then-centre-crop.
/// </remarks>
public static class BackboneCatalog
{
    private const string ZooBase = "https://github.com/onnx/models/raw/main/validated/vision/classification/";

    /// <summary>RGB scaled to [0,1], then ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).</summary>
    private static readonly ImagePreprocessing ImageNetRgb = new()
    {
        Width = 224, Height = 224, Normalization = Normalization.ImageNet, ChannelOrder = ChannelOrder.RGB,
    };

    /// <summary>
    /// Caffe style: BGR planes, 0–255 pixels minus a per-channel mean, std 1. The library first scales pixels to
    /// [0,1], so the same map is mean m/255 and std 1/255 (given in BGR order).
    /// </summary>
    private static ImagePreprocessing CaffeBgr(double red, double green, double blue) => new()
    {
        Width = 224, Height = 224, ChannelOrder = ChannelOrder.BGR,
        Normalization = new([(float)(blue / 255), (float)(green / 255), (float)(red / 255)], [1f / 255]),
    };

    private static BackboneDescriptor Zoo(string name, string displayName, string file, string sha256, long bytes,
        ImagePreprocessing preprocessing, int featureWidth, string licence, string notes) =>
        new(name, displayName, new DownloadSource(new Uri(ZooBase + file)), sha256, bytes, Path.GetFileName(file),
            preprocessing, featureWidth, licence, notes);

    private const string ImageNetPage = "Preprocessing as the zoo's model page states it: RGB in [0,1], ImageNet mean/std.";
    private const string GoogLeNetPage =
        "Preprocessing as the zoo's GoogLeNet page states it: 0–255 pixels minus (123.68, 116.779, 103.939) in RGB, then reordered to BGR; std 1.";

    /// <summary>The channels-last reason of EfficientNet-Lite4 (see <see cref="BackboneDescriptor.Unsupported"/>).</summary>
    private const string ChannelsLast =
        "its input images:0 is channels-last (NHWC, float[1,224,224,3]) and the library feeds channels-first (NCHW) tensors only. " +
        "Convert it to NCHW input yourself (tf2onnx --inputs-as-nchw from the TensorFlow model, or a Transpose node in front) and " +
        "pass the converted file with Backbone.FromOnnx / --weights";

    /// <summary>All catalog entries, in a stable order.</summary>
    public static IReadOnlyList<BackboneDescriptor> All { get; } =
    [
        Zoo("vgg16", "VGG16 (zoo vgg16-12)", "vgg/model/vgg16-12.onnx",
            "722c42f53ca03a5480296bf8f9c85a151de3eed9ec982d7d2302ff6e2900c67b", 553437752, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "Simonyan & Zisserman 2014; opset 12. " + ImageNetPage),
        Zoo("vgg16_opset7", "VGG16 (zoo vgg16-7)", "vgg/model/vgg16-7.onnx",
            "f20805a3ecccaa88647bbab4ad011ff2412a9838485ea844de0fcbce349820b9", 553437328, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "The same MXNet VGG16 at opset 7. " + ImageNetPage),
        Zoo("vgg16_bn", "VGG16-BN (zoo vgg16-bn-7)", "vgg/model/vgg16-bn-7.onnx",
            "4fdceabf1ef715c9ed3020fa2eac1cb2a448296c086b03633c80cf47e1c5afce", 553512191, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "VGG16 with batch normalisation after each convolution (MXNet), opset 7. " + ImageNetPage),
        Zoo("vgg19", "VGG19 (zoo vgg19-7)", "vgg/model/vgg19-7.onnx",
            "692f9f927f1df1b89033787a77a73eac59fd9b3344f9ecdf0b13221e41c2046f", 574677321, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "Simonyan & Zisserman 2014; MXNet VGG19, opset 7. " + ImageNetPage),
        Zoo("vgg19_bn", "VGG19-BN (zoo vgg19-bn-7)", "vgg/model/vgg19-bn-7.onnx",
            "ce0987dfa6228ad29708013f38b7f73cbc14ca6066a05fc22ee49b35871c63ed", 574774380, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "VGG19 with batch normalisation after each convolution (MXNet), opset 7. " + ImageNetPage),
        new("resnet18", "ResNet18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18)",
            new NuGetPackageSource("Microsoft.ML.DnnImageFeaturizer.ResNet18", "0.23.1", Path.Combine("DnnImageModels", "ResNet18Onnx", "ResNet18.onnx")),
            "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f", 63653533, "ResNet18.onnx",
            // per-channel means of the MeanImage initializer of the package's ResNetPrepOnnx/ResNetPreprocess.onnx
            CaffeBgr(red: 123.1516, green: 115.9029, blue: 103.0626), 512, "MIT (NuGet package, .NET Foundation)",
            "He et al. 2015; ImageNet ResNet18 exported by CNTK 2.6 (IR 3, opset 8, batch normalisation not folded), input Input247 " +
            "[1,3,224,224], output Pooling395_Output_0 [1,512,1,1] (pooled features, no classifier). Preprocessing: the package's " +
            "ResNetPreprocess.onnx reorders RGB to BGR and subtracts a mean image from 0–255 pixels; the catalog uses that image's " +
            "per-channel means (B 103.0626, G 115.9029, R 123.1516), std 1.")
        {
            FeatureTensor = "Pooling395_Output_0",
            Alternative = "resnet18_v1 (the ONNX Model Zoo's MXNet ResNet18, a download)",
        },
        Zoo("resnet18_v1", "ResNet18 v1 (zoo resnet18-v1-7)", "resnet/model/resnet18-v1-7.onnx",
            "4e8f8653e7a2222b3904cc3fe8e304cd8b339ce1d05fd24688162f86fb6df52c", 46820737, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "He et al. 2015; MXNet ResNet18 v1, opset 7. " + ImageNetPage),
        Zoo("resnet18_v2", "ResNet18 v2 (zoo resnet18-v2-7)", "resnet/model/resnet18-v2-7.onnx",
            "3b4d048057854022232aa20bf68262e31718ab7119a17f920b8a2dc1433f824b", 46806737, ImageNetRgb, 512, "Apache-2.0 (ONNX Model Zoo)",
            "He et al. 2016 (pre-activation); MXNet ResNet18 v2, opset 7. " + ImageNetPage),
        Zoo("resnet50", "ResNet50 v1 (zoo resnet50-v1-12)", "resnet/model/resnet50-v1-12.onnx",
            "3f03fdef724b22947eed826f1eef1dc5c34151bb4c37d634f1db89dfa2dd1526", 102576593, ImageNetRgb, 2048, "Apache-2.0 (ONNX Model Zoo)",
            "He et al. 2015; 25.6 M parameters; MXNet ResNet50 v1, opset 12. " + ImageNetPage),
        Zoo("resnet50_opset7", "ResNet50 v1 (zoo resnet50-v1-7)", "resnet/model/resnet50-v1-7.onnx",
            "af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c", 102583340, ImageNetRgb, 2048, "Apache-2.0 (ONNX Model Zoo)",
            "MXNet ResNet50 v1 at opset 7. " + ImageNetPage),
        Zoo("resnet50_v2", "ResNet50 v2 (zoo resnet50-v2-7)", "resnet/model/resnet50-v2-7.onnx",
            "79102261eb6e5fd7af5d27f41316293e388c5cb691e5d25bfb035c4f64fefe31", 102442452, ImageNetRgb, 2048, "Apache-2.0 (ONNX Model Zoo)",
            "He et al. 2016 (pre-activation); MXNet ResNet50 v2, opset 7. " + ImageNetPage),
        new("inception_v3", "Inception V3", null, null, null, "inception_v3.onnx",
            ImageNetRgb with { Width = 299, Height = 299 }, 2048, "depends on the source",
            "No public ONNX download is known; export torchvision's inception_v3 with torch.onnx.export (see docs/onnx-backbones.md) " +
            "and save it as the cache file; torchvision preprocessing (RGB, ImageNet mean/std, 299×299)."),
        Zoo("densenet121", "DenseNet121 (zoo densenet-12)", "densenet-121/model/densenet-12.onnx",
            "0294e7e88e5b3360de9b0fdc321baf9e6ef18b7f058c4536caae3b9f18ed9ed5", 32726877, ImageNetRgb, 1024, "MIT (ONNX Model Zoo)",
            "Huang et al. 2016; Caffe2 DenseNet-121, opset 12. The zoo's page states no preprocessing; RGB ImageNet mean/std is assumed."),
        Zoo("densenet121_opset7", "DenseNet121 (zoo densenet-7)", "densenet-121/model/densenet-7.onnx",
            "79c3bc0974696a2ea9efd2f7bca19fdd630834bd0086f1b4a1c3db3dce3b2a51", 32719461, ImageNetRgb, 1024, "MIT (ONNX Model Zoo)",
            "Caffe2 DenseNet-121 at opset 7. The zoo's page states no preprocessing; RGB ImageNet mean/std is assumed."),
        Zoo("googlenet", "GoogLeNet (zoo googlenet-12)", "inception_and_googlenet/googlenet/model/googlenet-12.onnx",
            "c99c507058eaf41de8723408fdda7db8325cb57f0a89f2ee07a716d6e963e14e", 28021836, CaffeBgr(123.68, 116.779, 103.939), 1024,
            "BSD-3-Clause (ONNX Model Zoo)", "Szegedy et al. 2014; Caffe BVLC GoogLeNet via Caffe2, opset 12. " + GoogLeNetPage),
        Zoo("inception_v1", "Inception v1 (zoo inception-v1-12)", "inception_and_googlenet/inception_v1/model/inception-v1-12.onnx",
            "814b31a6316873bd03d2d808415ce1f40a7bf48ad88eab5ecc3cdc8dc6cf38ec", 28021958, CaffeBgr(123.68, 116.779, 103.939), 1024,
            "MIT (ONNX Model Zoo)",
            "A reproduction of GoogLeNet (Caffe2), opset 12. Its page states no preprocessing; the GoogLeNet page's is assumed: " +
            "BGR, 0–255 pixels minus (103.939, 116.779, 123.68), std 1."),
        new("efficientnet_b0", "EfficientNet-B0", null, null, null, "efficientnet_b0.onnx", ImageNetRgb, 1280, "depends on the source",
            "The ONNX Model Zoo has no float EfficientNet-B0; export torchvision's efficientnet_b0 with torch.onnx.export " +
            "(see docs/onnx-backbones.md) and save it as the cache file; torchvision preprocessing (RGB, ImageNet mean/std)."),
        Zoo("efficientnet_lite4", "EfficientNet-Lite4 (zoo efficientnet-lite4-11)", "efficientnet-lite4/model/efficientnet-lite4-11.onnx",
            "d111689907c06eea7c82e4833ddef758da6453b9d4cf60b7e99ca05c7cbd9c12", 51946641,
            new ImagePreprocessing { Width = 224, Height = 224, Normalization = new([127f / 255], [128f / 255]) }, 1280, "MIT (ONNX Model Zoo)",
            "Tan & Le 2019; TensorFlow EfficientNet-Lite4 via tf2onnx, opset 11. Preprocessing as its page states it: RGB, " +
            "(pixel − 127) / 128 on 0–255 pixels. Not usable as it is: " + ChannelsLast + ".") with
        {
            Unsupported = ChannelsLast,
        },
        Zoo("mobilenet_v2", "MobileNetV2 (zoo mobilenetv2-12)", "mobilenet/model/mobilenetv2-12.onnx",
            "c0c3f76d93fa3fd6580652a45618618a220fced18babf65774ed169de0432ad5", 13964571, ImageNetRgb, 1280, "Apache-2.0 (ONNX Model Zoo)",
            "Sandler et al. 2018; width 1.0, float32, opset 12. " + ImageNetPage),
        Zoo("mobilenet_v2_opset7", "MobileNetV2 (zoo mobilenetv2-7)", "mobilenet/model/mobilenetv2-7.onnx",
            "c1c513582d56afceff8516c73804e484c81c6a830712ab6d682253f4a3cd042f", 14246826, ImageNetRgb, 1280, "Apache-2.0 (ONNX Model Zoo)",
            "The same MXNet MobileNetV2 at opset 7. " + ImageNetPage),
        Zoo("mobilenet_v2_int8", "MobileNetV2 int8 (zoo mobilenetv2-12-int8)", "mobilenet/model/mobilenetv2-12-int8.onnx",
            "cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f", 3655033, ImageNetRgb, 1280, "Apache-2.0 (ONNX Model Zoo)",
            "QOperator int8 quantisation of MobileNetV2 (QLinearConv, …), imported as float32: it extracts features and carries a " +
            "fine-tuned head, but its blocks cannot be trained and saved (use mobilenet_v2 for that). " + ImageNetPage),
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
