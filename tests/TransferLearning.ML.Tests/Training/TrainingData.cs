using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Training;

/// <summary>Small, fixed subsets of the real sets in ../shared, so training tests stay within the CI budget.</summary>
internal static class TrainingData
{
    public const string MobileNet = "models/mobilenetv2-imagenet.onnx";
    public const string Kermany = "datasets/kermany-cxr/train";
    public const string PneumoniaMnistFolder = "datasets/pneumoniamnist";

    private static readonly Lazy<Backbone> s_mobileNet = new(() => Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")));

    public static Backbone MobileNetV2 => s_mobileNet.Value;

    /// <summary>The ImageNet ResNet18 that the Microsoft.ML.DnnImageFeaturizer.ResNet18 package copies into the test's output folder.</summary>
    public static Backbone ResNet18 => s_resNet18.Value;

    private static readonly Lazy<Backbone> s_resNet18 = new(() => Backbone.ResNet18());

    public static ImageDataset KermanySubset(int perClass) =>
        ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"), new ImageDatasetOptions { MaxImagesPerClass = perClass });

    public static ImageDataset PneumoniaMnist(string split, int perClass) =>
        ImageDataset.FromFolder(RepositoryPaths.SharedDataset("pneumoniamnist", split), new ImageDatasetOptions { MaxImagesPerClass = perClass });

    public static string TemporaryDirectory(string name) => Directory.CreateTempSubdirectory($"tl-{name}-").FullName;
}
