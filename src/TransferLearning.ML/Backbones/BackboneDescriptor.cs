using TransferLearning.ML.Data;

namespace TransferLearning.ML.Backbones;

/// <summary>A catalog entry: where a pretrained ONNX backbone comes from, how to check it and how it expects its input.</summary>
/// <param name="Name">The catalog key, e.g. <c>vgg16</c>.</param>
/// <param name="DisplayName">A human-readable name, e.g. <c>VGG16 (ONNX Model Zoo vgg16-12)</c>.</param>
/// <param name="Source">Where the file comes from (<see cref="DownloadSource"/> or <see cref="NuGetPackageSource"/>), or
/// null when no public ONNX file is known (export it yourself and place it in the cache).</param>
/// <param name="Sha256">The expected SHA-256 (lower-case hex) of the file, or null when it is not known; a download
/// without a known checksum is accepted only when <see cref="WeightStoreOptions.AllowUnverifiedDownloads"/> is set.</param>
/// <param name="SizeBytes">The expected size of the file in bytes, or null when it is not known.</param>
/// <param name="FileName">The file name used in the local cache.</param>
/// <param name="Preprocessing">How images become this backbone's input (size, normalisation, channel order), as the
/// model's documentation states it.</param>
/// <param name="FeatureWidth">Channels of the pooled feature vector (e.g. 512 for VGG16 after global pooling, 1280 for MobileNetV2).</param>
/// <param name="Licence">The licence of the weights.</param>
/// <param name="Notes">Provenance and caveats.</param>
public sealed record BackboneDescriptor(
    string Name,
    string DisplayName,
    BackboneSource? Source,
    string? Sha256,
    long? SizeBytes,
    string FileName,
    ImagePreprocessing Preprocessing,
    int FeatureWidth,
    string Licence,
    string Notes)
{
    /// <summary>The download address, or null when the file is not downloaded (see <see cref="Source"/>).</summary>
    public Uri? Download => (Source as DownloadSource)?.Url;

    /// <summary>Square input side in pixels (the preprocessing's width).</summary>
    public int InputSize => Preprocessing.Width;

    /// <summary>
    /// Why the library cannot use this backbone as it is (e.g. a channels-last input), or null when it can. The file
    /// can still be fetched and verified through <see cref="WeightStore"/>; <c>Backbone.FromCatalog</c> refuses it
    /// with this reason.
    /// </summary>
    public string? Unsupported { get; init; }

    /// <summary>
    /// The tensor a new head reads, for a graph whose feature tensor cannot be found by walking back from a
    /// classifier (e.g. a features-only graph); null to let <c>GraphSurgery.FindFeatureTensor</c> find it.
    /// </summary>
    public string? FeatureTensor { get; init; }

    /// <summary>A catalog name to suggest when this entry's file is not available (e.g. a download instead of a package), or null.</summary>
    public string? Alternative { get; init; }
}
