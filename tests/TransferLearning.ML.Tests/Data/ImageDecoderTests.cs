using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class ImageDecoderTests
{
    private static DecodedImage Decode(byte[] bytes, ImagePreprocessing? target = null, long maxPixels = ImageDecoder.DefaultMaxPixels)
    {
        var image = new DecodedImage();
        new ImageDecoder(maxPixels).Decode(ImageSource.FromBytes(bytes, "test image"), image, target);
        return image;
    }

    [Fact]
    public void Rgb_png_decodes_to_three_channels_with_exact_values()
    {
        byte[] png = EncodedImages.Skia(3, 2, (x, y) => new SKColor((byte)(x * 100), (byte)(y * 200), 7));
        DecodedImage image = Decode(png);
        Assert.Equal((3, 2, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(200, image[2, 0, 0]);
        Assert.Equal(200, image[1, 1, 1]);
        Assert.Equal(7, image[0, 1, 2]);
    }

    [Fact]
    public void Gray_png_stays_one_channel()
    {
        byte[] png = EncodedImages.Png(4, 3, 8, 0, y => [(byte)(y * 10), 50, 100, 255]);
        DecodedImage image = Decode(png);
        Assert.Equal((4, 3, 1), (image.Width, image.Height, image.Channels));
        Assert.Equal(20, image[0, 2]);
        Assert.Equal(255, image[3, 1]);
    }

    [Fact]
    public void Sixteen_bit_gray_png_keeps_the_high_byte_precision()
    {
        // samples 0x0000, 0x8080, 0xFFFF, 0x4000 → 0, 128, 255, ~64
        byte[] png = EncodedImages.Png(4, 2, 16, 0, _ => [0x00, 0x00, 0x80, 0x80, 0xFF, 0xFF, 0x40, 0x00]);
        DecodedImage image = Decode(png);
        Assert.Equal(1, image.Channels);
        Assert.Equal(0, image[0, 0]);
        Assert.Equal(128, image[1, 1]);
        Assert.Equal(255, image[2, 0]);
        Assert.InRange((int)image[3, 0], 63, 64);
    }

    [Fact]
    public void Sixteen_bit_rgb_png_decodes_to_eight_bit_rgb()
    {
        byte[] png = EncodedImages.Png(2, 1, 16, 2, _ => [0xFF, 0xFF, 0x00, 0x00, 0x80, 0x80, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF]);
        DecodedImage image = Decode(png);
        Assert.Equal(3, image.Channels);
        Assert.Equal([255, 0, 128], [image[0, 0, 0], image[0, 0, 1], image[0, 0, 2]]);
        Assert.Equal([0, 0, 255], [image[1, 0, 0], image[1, 0, 1], image[1, 0, 2]]);
    }

    [Fact]
    public void Palette_png_maps_indices_to_palette_colours()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0, 10, 20, 30];
        byte[] png = EncodedImages.Png(3, 2, 8, 3, y => y == 0 ? [0, 1, 2] : [2, 2, 0], palette);
        DecodedImage image = Decode(png);
        Assert.Equal(3, image.Channels);
        Assert.Equal([255, 0, 0], [image[0, 0, 0], image[0, 0, 1], image[0, 0, 2]]);
        Assert.Equal([0, 255, 0], [image[1, 0, 0], image[1, 0, 1], image[1, 0, 2]]);
        Assert.Equal([10, 20, 30], [image[0, 1, 0], image[0, 1, 1], image[0, 1, 2]]);
    }

    [Fact]
    public void Rgba_png_is_composited_over_black()
    {
        // opaque red, fully transparent white, half-transparent white
        byte[] png = EncodedImages.Png(3, 1, 8, 6, _ => [255, 0, 0, 255, 255, 255, 255, 0, 255, 255, 255, 128]);
        DecodedImage image = Decode(png);
        Assert.Equal(3, image.Channels);
        Assert.Equal([255, 0, 0], [image[0, 0, 0], image[0, 0, 1], image[0, 0, 2]]);
        Assert.Equal([0, 0, 0], [image[1, 0, 0], image[1, 0, 1], image[1, 0, 2]]);
        Assert.InRange((int)image[2, 0, 1], 127, 129);
    }

    [Fact]
    public void Gray_jpeg_stays_one_channel()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(90, 90, 90));
        byte[] jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95).ToArray();
        DecodedImage image = Decode(jpeg);
        Assert.Equal(1, image.Channels);
        Assert.InRange((int)image[8, 8], 88, 92);
    }

    [Fact]
    public void Rgb_jpeg_decodes_to_about_the_encoded_colour()
    {
        DecodedImage image = Decode(EncodedImages.Jpeg(16, 16, new SKColor(200, 40, 90)));
        Assert.Equal(3, image.Channels);
        Assert.InRange((int)image[5, 5, 0], 196, 204);
        Assert.InRange((int)image[5, 5, 1], 36, 44);
        Assert.InRange((int)image[5, 5, 2], 86, 94);
    }

    [Fact]
    public void Cmyk_jpeg_decodes_to_rgb()
    {
        // inverted (Adobe) CMYK: C=255 M=0 Y=0 K=255 stored means no cyan, full magenta and yellow, no black: red
        DecodedImage image = Decode(EncodedImages.CmykJpeg(255, 0, 0, 255));
        Assert.Equal((8, 8, 3), (image.Width, image.Height, image.Channels));
        Assert.InRange((int)image[3, 3, 0], 250, 255);
        Assert.InRange((int)image[3, 3, 1], 0, 5);
        Assert.InRange((int)image[3, 3, 2], 0, 5);
    }

    [Fact]
    public void Bmp_decodes_with_rows_in_display_order()
    {
        byte[] bmp = EncodedImages.Bmp(3, 2, (x, y) => y == 0 ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)(x * 100)));
        DecodedImage image = Decode(bmp);
        Assert.Equal((3, 2, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(255, image[1, 0, 0]);
        Assert.Equal(200, image[2, 1, 2]);
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        // stored 32×16: left half red, right half blue; orientation 6 means "rotate 90° clockwise to view"
        byte[] jpeg = EncodedImages.Skia(32, 16, (x, _) => x < 16 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255),
            SKEncodedImageFormat.Jpeg, 100);
        DecodedImage image = Decode(EncodedImages.WithExifOrientation(jpeg, 6));
        Assert.Equal((16, 32), (image.Width, image.Height));
        Assert.True(image[8, 4, 0] > 200 && image[8, 4, 2] < 50, "top half is red");
        Assert.True(image[8, 28, 2] > 200 && image[8, 28, 0] < 50, "bottom half is blue");
    }

    [Fact]
    public void One_by_one_image_decodes()
    {
        DecodedImage image = Decode(EncodedImages.Skia(1, 1, (_, _) => new SKColor(1, 2, 3)));
        Assert.Equal((1, 1, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal([1, 2, 3], image.Pixels.ToArray());
    }

    [Fact]
    public void Huge_png_is_decoded_at_reduced_scale_with_box_averaged_values()
    {
        // 10000×10000 gray: left half 0, right half 200 (a row is the same everywhere, so zlib makes it tiny)
        byte[] row = new byte[10000];
        Array.Fill(row, (byte)200, 5000, 5000);
        byte[] png = EncodedImages.Png(10000, 10000, 8, 0, _ => row);
        // 100 megapixels: over the default 64-megapixel budget, so the budget is raised for this scan
        DecodedImage image = Decode(png, new ImagePreprocessing(), maxPixels: 100_000_000);
        Assert.Equal((10000, 10000), image.OriginalSize);
        Assert.InRange(image.Width, 224, 447);
        Assert.Equal(image.Width, image.Height);
        Assert.Equal(0, image[10, 100]);
        Assert.Equal(200, image[image.Width - 10, 100]);
    }

    [Fact]
    public void Huge_jpeg_is_decoded_at_reduced_scale()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(10000, 10000, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(120, 120, 120));
        byte[] jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80).ToArray();
        DecodedImage image = Decode(jpeg, new ImagePreprocessing(), maxPixels: 100_000_000);
        Assert.InRange(image.Width, 224, 447);
        Assert.InRange((int)image[image.Width / 2, image.Height / 2], 117, 123);
    }

    [Fact]
    public void Text_file_named_png_is_rejected_naming_the_file_and_the_remedy()
    {
        var e = Assert.Throws<ImageDataException>(() => Decode("hello, this is not an image\n"u8.ToArray()));
        Assert.Contains("test image", e.Message);
        Assert.Contains("text file", e.Message);
        Assert.Contains("SkipUnreadableImages = true", e.Message);
    }

    [Fact]
    public void Truncated_png_is_rejected()
    {
        byte[] png = EncodedImages.Png(64, 64, 8, 2, y => Enumerable.Range(0, 192).Select(i => (byte)(i * y)).ToArray(),
            level: System.IO.Compression.CompressionLevel.NoCompression);
        var e = Assert.Throws<ImageDataException>(() => Decode(png[..(png.Length / 2)]));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Corrupt_jpeg_is_rejected()
    {
        byte[] jpeg = EncodedImages.Jpeg(64, 64, new SKColor(10, 20, 30));
        byte[] corrupt = [.. jpeg[..20], .. Enumerable.Repeat((byte)0x55, 100)];
        var e = Assert.Throws<ImageDataException>(() => Decode(corrupt));
        Assert.Contains("not a readable image", e.Message);
    }

    [Fact]
    public void Zero_byte_file_is_rejected_with_its_path()
    {
        using var folder = new TempFolder();
        string path = folder.File("NORMAL", "x.jpg");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<ImageDataException>(() => ImageDecoder.DecodeFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("0 bytes", e.Message);
    }

    [Fact]
    public void Missing_file_is_rejected_with_its_path()
    {
        var e = Assert.Throws<ImageDataException>(() => ImageDecoder.DecodeFile("/nonexistent/x.png"));
        Assert.Contains("/nonexistent/x.png", e.Message);
        Assert.Contains("not found", e.Message);
    }
}
