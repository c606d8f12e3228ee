using SkiaSharp;

namespace TransferLearning.ML.Data;

/// <summary>Turns pixels stored in an EXIF orientation upright (as a viewer shows them).</summary>
internal static class ImageOrientation
{
    public static void Apply(SKEncodedOrigin origin, DecodedImage image, DecodedImage scratch)
    {
        int w = image.Width, h = image.Height, ch = image.Channels;
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = swap ? h : w, outH = swap ? w : h;
        scratch.Reset(outW, outH, ch, (long)w * h * ch);
        byte[] src = image.Buffer, dst = scratch.Buffer;
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
            {
                // (sx, sy): the stored pixel that appears at upright (x, y)
                (int sx, int sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                int s = (sy * w + sx) * ch, d = (y * outW + x) * ch;
                for (int c = 0; c < ch; c++) dst[d + c] = src[s + c];
            }
        image.SwapBuffers(scratch);
        image.Reshape(outW, outH, ch);
    }
}
