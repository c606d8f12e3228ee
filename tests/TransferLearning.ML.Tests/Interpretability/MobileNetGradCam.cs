namespace TransferLearning.ML.Tests.Interpretability;

/// <summary>One Grad-CAM over ../shared's ImageNet MobileNetV2, compiled once for the whole test class.</summary>
public sealed class MobileNetGradCam : IDisposable
{
    public const string Model = "models/mobilenetv2-imagenet.onnx";
    public const string Cat = "models/imagenet-samples/cat.png";

    private readonly Lazy<ML.Interpretability.GradCam> _gradCam = new(() => ML.Interpretability.GradCam.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")));

    public ML.Interpretability.GradCam GradCam => _gradCam.Value;

    public static string CatPath => RepositoryPaths.SharedModel(Path.Combine("imagenet-samples", "cat.png"));

    public void Dispose()
    {
        if (_gradCam.IsValueCreated) _gradCam.Value.Dispose();
    }
}
