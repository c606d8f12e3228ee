using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Interpretability;

/// <summary>Blends a [0, 1] heatmap, coloured with a jet-like map (blue → cyan → yellow → red), over an image.</summary>
internal static class HeatmapOverlay
{
    public static byte[] Png(DecodedImage image, float[,] heatmap, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(alpha, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alpha, 1.0);
        int height = heatmap.GetLength(0), width = heatmap.GetLength(1);
        if (image.Width != width || image.Height != height)
            throw new ArgumentException($"The heatmap is {width}×{height} but the image is {image.Width}×{image.Height}.", nameof(heatmap));
        var rgba = new byte[width * height * 4];
        ReadOnlySpan<byte> pixels = image.Pixels;
        float a = (float)alpha;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x, o = i * 4;
                float v = Math.Clamp(heatmap[y, x], 0f, 1f);
                for (int c = 0; c < 3; c++)
                {
                    float baseValue = image.Channels == 1 ? pixels[i] : pixels[i * 3 + c];
                    // jet: each channel is a tent of width 1.5 centred at 3/4 (red), 1/2 (green), 1/4 (blue)
                    float jet = Math.Clamp(1.5f - Math.Abs(4f * v - (3 - c)), 0f, 1f) * 255f;
                    rgba[o + c] = (byte)Math.Round((1 - a) * baseValue + a * jet);
                }
                rgba[o + 3] = 255;
            }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using SKImage skImage = SKImage.FromPixelCopy(info, rgba, width * 4);
        using SKData data = skImage.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
