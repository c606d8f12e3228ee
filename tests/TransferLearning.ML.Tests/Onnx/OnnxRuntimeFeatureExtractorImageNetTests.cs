using SkiaSharp;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Tests.Onnx;

/// <summary>The pretrained weights classify real photos: the end-to-end check that loading, ONNX Runtime binding
/// and preprocessing agree with how the model was trained.</summary>
public sealed class OnnxRuntimeFeatureExtractorImageNetTests
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    [SharedTheory("models/mobilenetv2-imagenet.onnx", "models/imagenet-samples")]
    [InlineData("cat.png", 285)]
    [InlineData("bird.png", 19)]
    [InlineData("sunflower.png", 985)]
    public void Pretrained_mobilenetv2_gives_the_expected_top1_class(string photo, int expectedClass)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        using var classifier = new OnnxRuntimeFeatureExtractor(model, new OnnxRuntimeOptions { IntraOpThreads = 2 });

        float[] logits = classifier.Extract(Preprocess(Path.Combine(RepositoryPaths.Shared, "models", "imagenet-samples", photo)), 1);

        Assert.Equal(1000, logits.Length);
        Assert.Equal(expectedClass, Array.IndexOf(logits, logits.Max()));
    }

    /// <summary>224x224 bilinear resize, RGB scaled to [0,1], ImageNet mean/std, NCHW.</summary>
    private static float[] Preprocess(string path)
    {
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} is not a readable image");
        using var resized = decoded.Resize(new SKImageInfo(224, 224, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            SKFilterQuality.Low) ?? throw new InvalidOperationException("resize failed");
        ReadOnlySpan<byte> rgba = resized.GetPixelSpan();
        var chw = new float[3 * 224 * 224];
        for (int pixel = 0; pixel < 224 * 224; pixel++)
            for (int c = 0; c < 3; c++)
                chw[c * 224 * 224 + pixel] = (rgba[pixel * 4 + c] / 255f - Mean[c]) / Std[c];
        return chw;
    }
}
