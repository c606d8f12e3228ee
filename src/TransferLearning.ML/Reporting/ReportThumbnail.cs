using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Reporting;

/// <summary>A small PNG of an image as it is on disk (aspect ratio kept), for the report's example grid.</summary>
internal static class ReportThumbnail
{
    public static byte[] Png(ImageDecoder decoder, DecodedImage scratch, ImageSource source, int maxSide)
    {
        // decoding for a maxSide×maxSide target lets large scans be read at reduced scale
        decoder.Decode(source, scratch, new ImagePreprocessing { Width = maxSide, Height = maxSide });
        int width = scratch.Width, height = scratch.Height;
        var rgba = new byte[width * height * 4];
        ReadOnlySpan<byte> pixels = scratch.Pixels;
        for (int i = 0; i < width * height; i++)
        {
            for (int c = 0; c < 3; c++) rgba[i * 4 + c] = scratch.Channels == 1 ? pixels[i] : pixels[i * 3 + c];
            rgba[i * 4 + 3] = 255;
        }
        double scale = Math.Min(1.0, (double)maxSide / Math.Max(width, height));
        int outWidth = Math.Max(1, (int)Math.Round(width * scale)), outHeight = Math.Max(1, (int)Math.Round(height * scale));
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using SKImage full = SKImage.FromPixelCopy(info, rgba, width * 4);
        using var surface = SKSurface.Create(new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // SkiaSharp 2.88's high quality: bicubic when enlarging, mipmaps when reducing
        using var paint = new SKPaint { FilterQuality = SKFilterQuality.High };
        surface.Canvas.DrawImage(full, new SKRect(0, 0, outWidth, outHeight), paint);
        using SKImage small = surface.Snapshot();
        using SKData data = small.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
