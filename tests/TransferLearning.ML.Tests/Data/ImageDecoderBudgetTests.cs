using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary>The pixel budget: decompression bombs are refused from the header, before any pixel buffer exists.</summary>
public sealed class ImageDecoderBudgetTests
{
    [Fact]
    public void A_bomb_header_is_refused_before_decoding_without_allocating_the_picture()
    {
        byte[] bomb = EncodedImages.Bomb(12000, 12000);
        Assert.True(bomb.Length < 1024, $"the bomb is {bomb.Length} bytes");
        var decoder = new ImageDecoder();
        var image = new DecodedImage();
        var source = ImageSource.FromBytes(bomb, "bomb.png");
        Assert.Throws<ImageTooLargeException>(() => decoder.Decode(source, image)); // warm up (JIT, Skia)

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageTooLargeException>(() => decoder.Decode(source, image));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for a refused image");
        Assert.True(image.Buffer.Length < 1 << 20, $"the decoded image's buffer grew to {image.Buffer.Length} bytes");
        Assert.Equal((12000, 12000, 144_000_000L), (e.Width, e.Height, e.Pixels));
        Assert.Equal(ImageDecoder.DefaultMaxPixels, e.MaxPixels);
        Assert.Equal("bomb.png", e.FileName);
        Assert.Contains("'bomb.png' is 12000×12000 pixels (144 megapixels)", e.Message);
        Assert.Contains("64 megapixels", e.Message);
        Assert.Contains("MaxImagePixels", e.Message);
        Assert.IsAssignableFrom<ImageDataException>(e);
    }

    [Fact]
    public void The_budget_is_configurable_and_an_image_within_it_decodes()
    {
        byte[] png = EncodedImages.Skia(100, 50, (x, y) => new SKColor((byte)x, (byte)y, 0));
        var image = new DecodedImage();
        Assert.Throws<ImageTooLargeException>(() => new ImageDecoder(maxPixels: 4999).Decode(ImageSource.FromBytes(png, "p.png"), image));
        new ImageDecoder(maxPixels: 5000).Decode(ImageSource.FromBytes(png, "p.png"), image);
        Assert.Equal((100, 50), (image.Width, image.Height));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageDecoder(0));
    }

    [Fact]
    public void A_loader_skips_a_bomb_and_lists_it_when_skipping_is_on()
    {
        using var folder = new TempFolder();
        for (int i = 0; i < 3; i++)
            File.WriteAllBytes(folder.File("a", $"{i}.png"), EncodedImages.Skia(16, 16, (_, _) => SKColors.Gray));
        File.WriteAllBytes(folder.File("b", "ok.png"), EncodedImages.Skia(16, 16, (_, _) => SKColors.White));
        File.WriteAllBytes(folder.File("b", "bomb.png"), EncodedImages.Bomb(40000, 40000));
        var dataset = ImageDataset.FromFolder(folder.Path);
        var preprocessing = new ImagePreprocessing { Width = 8, Height = 8 };

        using var strict = new ImageBatchLoader(dataset, preprocessing, new BatchLoaderOptions { BatchSize = 2, WorkerCount = 1 });
        Assert.Throws<ImageTooLargeException>(() => strict.ReadEpoch(0).ToList());

        using var lenient = new ImageBatchLoader(dataset, preprocessing,
            new BatchLoaderOptions { BatchSize = 2, WorkerCount = 1, SkipUnreadableImages = true, MaxImagePixels = 1_000_000 });
        int images = lenient.ReadEpoch(0).Sum(b => b.Count);
        Assert.Equal(4, images);
        var skipped = Assert.Single(lenient.SkippedImages);
        Assert.EndsWith("bomb.png", skipped.Path);
        Assert.Contains("40000×40000", skipped.Reason);
    }

    [Fact]
    public void Buffers_grown_by_a_large_image_are_released_after_it()
    {
        // 3000×3000 RGB decoded at full size needs 36 MB of RGBA: more than the 16 MiB the decoder keeps
        byte[] large = EncodedImages.Jpeg(3000, 3000, SKColors.DarkRed, quality: 50);
        byte[] small = EncodedImages.Jpeg(32, 32, SKColors.DarkRed);
        var decoder = new ImageDecoder();
        var image = new DecodedImage();
        decoder.Decode(ImageSource.FromBytes(large, "large.jpg"), image);
        Assert.Equal(3000, image.Width);
        decoder.Decode(ImageSource.FromBytes(small, "small.jpg"), image);
        Assert.True(image.Buffer.Length <= ImageDecoder.RetainedBufferBytes, $"{image.Buffer.Length} bytes kept after a 32×32 image");
    }
}
