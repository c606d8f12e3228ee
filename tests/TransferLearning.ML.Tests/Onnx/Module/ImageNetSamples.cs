using SkiaSharp;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Decodes the ImageNet sample photos as MobileNetV2 expects them: 224×224 RGB, /255, ImageNet mean/std, NCHW.</summary>
internal static class ImageNetSamples
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    public static float[] Load(string name, int size = 224)
    {
        using SKBitmap original = SKBitmap.Decode(Path.Combine(RepositoryPaths.Shared, "models", "imagenet-samples", name + ".png"))
            ?? throw new InvalidDataException($"{name}.png could not be decoded");
        using SKBitmap resized = original.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul),
            SKFilterQuality.Low);  // bilinear, no mipmaps (SkiaSharp 2.88)
        var data = new float[3 * size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                SKColor c = resized.GetPixel(x, y);
                byte[] rgb = [c.Red, c.Green, c.Blue];
                for (int ch = 0; ch < 3; ch++)
                    data[ch * size * size + y * size + x] = (rgb[ch] / 255f - Mean[ch]) / Std[ch];
            }
        return data;
    }
}
