namespace TransferLearning.ML.Backbones;

/// <summary>A catalog entry: where a pretrained ONNX backbone comes from and how it expects its input.</summary>
/// <param name="Name">The catalog key, e.g. <c>vgg16</c>.</param>
/// <param name="DisplayName">A human-readable name, e.g. <c>VGG16</c>.</param>
/// <param name="Download">Where the pretrained ONNX file can be downloaded, or null when no public download is known.</param>
/// <param name="Sha256">The expected SHA-256 (hex) of the file, or null when it has not been verified; a download
/// without a known checksum is accepted only when <see cref="WeightStoreOptions.AllowUnverifiedDownloads"/> is set.</param>
/// <param name="FileName">The file name used in the local cache.</param>
/// <param name="InputSize">Square input side in pixels (224, or 299 for Inception V3).</param>
/// <param name="Normalization">How pixels are normalised for this backbone (<c>imagenet</c>: [0,1] then ImageNet mean/std;
/// <c>minus-one-to-one</c>: [-1,1]).</param>
/// <param name="FeatureWidth">Channels of the pooled feature vector (e.g. 512 for VGG16 after global pooling, 1280 for MobileNetV2).</param>
/// <param name="Licence">The licence of the weights.</param>
/// <param name="Notes">Provenance and caveats.</param>
public sealed record BackboneDescriptor(
    string Name,
    string DisplayName,
    Uri? Download,
    string? Sha256,
    string FileName,
    int InputSize,
    string Normalization,
    int FeatureWidth,
    string Licence,
    string Notes);
