using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class TensorizerTests
{
    private static DecodedImage Rgb(int width, int height, Func<int, int, (byte, byte, byte)> pixel)
    {
        var bytes = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                (byte r, byte g, byte b) = pixel(x, y);
                int o = (y * width + x) * 3;
                (bytes[o], bytes[o + 1], bytes[o + 2]) = (r, g, b);
            }
        return new DecodedImage(width, height, 3, bytes);
    }

    private static float[] Tensorize(DecodedImage image, ImagePreprocessing preprocessing)
    {
        var output = new float[preprocessing.ValuesPerImage];
        new Tensorizer(preprocessing).Write(image, output);
        return output;
    }

    [Fact]
    public void Same_size_image_is_normalised_with_imagenet_statistics_in_chw_order()
    {
        DecodedImage image = Rgb(4, 3, (x, y) => ((byte)(x * 60), (byte)(y * 100), 255));
        float[] values = Tensorize(image, new ImagePreprocessing { Width = 4, Height = 3 });
        // plane 0 (red) at (x=2, y=1): 120/255; plane 1 (green) at (3, 2): 200/255; plane 2 (blue): 1
        Assert.Equal((120 / 255f - 0.485f) / 0.229f, values[0 * 12 + 1 * 4 + 2], 5);
        Assert.Equal((200 / 255f - 0.456f) / 0.224f, values[1 * 12 + 2 * 4 + 3], 5);
        Assert.Equal((1 - 0.406f) / 0.225f, values[2 * 12 + 0], 5);
    }

    [Fact]
    public void Gray_image_is_replicated_to_three_planes()
    {
        var gray = new DecodedImage(2, 2, 1, [0, 51, 102, 255]);
        float[] values = Tensorize(gray, new ImagePreprocessing { Width = 2, Height = 2, Normalization = Normalization.ZeroToOne });
        Assert.Equal([0f, 0.2f, 0.4f, 1f, 0f, 0.2f, 0.4f, 1f, 0f, 0.2f, 0.4f, 1f], values.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void One_channel_output_converts_colour_to_luma()
    {
        DecodedImage image = Rgb(1, 1, (_, _) => (255, 0, 0));
        float[] values = Tensorize(image, new ImagePreprocessing { Width = 1, Height = 1, Channels = 1, Normalization = Normalization.ZeroToOne });
        Assert.Equal(0.299f, values[0], 5);
    }

    [Fact]
    public void Bgr_order_puts_blue_first()
    {
        DecodedImage image = Rgb(1, 1, (_, _) => (255, 0, 51));
        float[] values = Tensorize(image, new ImagePreprocessing { Width = 1, Height = 1, ChannelOrder = ChannelOrder.BGR, Normalization = Normalization.ZeroToOne });
        Assert.Equal([0.2f, 0f, 1f], values.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void Minus_one_to_one_maps_black_and_white_to_the_ends()
    {
        var gray = new DecodedImage(2, 1, 1, [0, 255]);
        float[] values = Tensorize(gray, new ImagePreprocessing { Width = 2, Height = 1, Channels = 1, Normalization = Normalization.MinusOneToOne });
        Assert.Equal([-1f, 1f], values);
    }

    [Fact]
    public void Stretch_halving_samples_inside_each_flat_block()
    {
        // 4×4 made of four flat 2×2 blocks: each output pixel samples inside one block
        var gray = new DecodedImage(4, 4, 1, [10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40]);
        float[] values = Tensorize(gray, new ImagePreprocessing { Width = 2, Height = 2, Channels = 1, Normalization = Normalization.ZeroToOne });
        Assert.Equal([10, 20, 30, 40], values.Select(v => (int)MathF.Round(v * 255)));
    }

    [Fact]
    public void Shorter_side_center_crop_keeps_the_middle()
    {
        // 12×4: left third red, middle green, right third blue → 4×4 crop of the middle is all green
        DecodedImage image = Rgb(12, 4, (x, _) => x < 4 ? ((byte)255, (byte)0, (byte)0) : x < 8 ? ((byte)0, (byte)255, (byte)0) : ((byte)0, (byte)0, (byte)255));
        float[] values = Tensorize(image, new ImagePreprocessing { Width = 4, Height = 4, ResizeMode = ResizeMode.ShorterSideCenterCrop, Normalization = Normalization.ZeroToOne });
        Assert.All(values[16..32], v => Assert.Equal(1f, v, 5));
        Assert.All(values[..16], v => Assert.Equal(0f, v, 5));
    }

    [Fact]
    public void Pad_to_square_keeps_the_whole_image_and_pads_black()
    {
        var white = new DecodedImage(4, 2, 1, Enumerable.Repeat((byte)255, 8).ToArray());
        float[] values = Tensorize(white, new ImagePreprocessing { Width = 4, Height = 4, Channels = 1, ResizeMode = ResizeMode.PadToSquare, Normalization = Normalization.ZeroToOne });
        Assert.Equal(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 }, values.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void Writing_an_image_allocates_nothing()
    {
        DecodedImage image = Rgb(300, 250, (x, y) => ((byte)x, (byte)y, 9));
        var tensorizer = new Tensorizer(new ImagePreprocessing());
        var output = new float[3 * 224 * 224];
        tensorizer.Write(image, output, Augmentations.Strong, new AugmentationRandom(1, 1, 1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        tensorizer.Write(image, output);
        tensorizer.Write(image, output, Augmentations.Strong, new AugmentationRandom(1, 2, 3));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Too_short_destination_is_rejected()
    {
        var tensorizer = new Tensorizer(new ImagePreprocessing { Width = 2, Height = 2 });
        Assert.Throws<ArgumentException>(() => tensorizer.Write(new DecodedImage(1, 1, 1, [0]), new float[11]));
    }

    public static TheoryData<string> Samplings() => ["224 same size", "160x120 stretch", "shorter side crop", "pad to square", "bgr 300x200",
        "one channel 96", "flips", "flips, no resize"];

    // the same-size and axis-aligned shortcuts write exactly what the general per-pixel loop writes, bit for bit, on a
    // real chest X-ray (a 224×224 JPEG) and on random colour and gray images of other sizes
    [SharedTheory("datasets/kermany-cxr/train/NORMAL/IM-0115-0001.jpeg")]
    [MemberData(nameof(Samplings))]
    public void Shortcut_sampling_equals_the_general_loop(string sampling)
    {
        // a fixed seed per case (string hashes change from process to process)
        var random = new Random(sampling.Length * 31 + sampling[0]);
        DecodedImage Noise(int width, int height, int channels)
        {
            var bytes = new byte[width * height * channels];
            random.NextBytes(bytes);
            return new DecodedImage(width, height, channels, bytes);
        }
        DecodedImage xray = ImageDecoder.DecodeFile(Path.Combine(RepositoryPaths.SharedDataset("kermany-cxr", "train"), "NORMAL", "IM-0115-0001.jpeg"));
        var flips = new AugmentationPipeline(new HorizontalFlip(1), new VerticalFlip(1));
        (ImagePreprocessing preprocessing, AugmentationPipeline? augmentation) = sampling switch
        {
            "224 same size" => (new ImagePreprocessing(), null),
            "160x120 stretch" => (new ImagePreprocessing { Width = 160, Height = 120 }, null),
            "shorter side crop" => (new ImagePreprocessing { ResizeMode = ResizeMode.ShorterSideCenterCrop }, null),
            "pad to square" => (new ImagePreprocessing { Width = 100, Height = 100, ResizeMode = ResizeMode.PadToSquare }, null),
            "bgr 300x200" => (new ImagePreprocessing { Width = 300, Height = 200, ChannelOrder = ChannelOrder.BGR }, null),
            "one channel 96" => (new ImagePreprocessing { Width = 96, Height = 96, Channels = 1, Normalization = Normalization.MinusOneToOne }, null),
            "flips" => (new ImagePreprocessing { Width = 128, Height = 128 }, flips),
            _ => (new ImagePreprocessing(), (AugmentationPipeline?)flips),
        };
        var images = new[] { xray, Noise(224, 224, 3), Noise(224, 224, 1), Noise(317, 203, 3), Noise(150, 260, 1), Noise(preprocessing.Width, preprocessing.Height, 3) };
        var shortcut = new Tensorizer(preprocessing);
        var general = new Tensorizer(preprocessing) { GeneralSampling = true };
        foreach (DecodedImage image in images)
        {
            var fast = new float[preprocessing.ValuesPerImage];
            var reference = new float[preprocessing.ValuesPerImage];
            shortcut.Write(image, fast, augmentation, new AugmentationRandom(1, 2, 3));
            general.Write(image, reference, augmentation, new AugmentationRandom(1, 2, 3));
            Assert.True(fast.AsSpan().SequenceEqual(reference), $"{image.Width}×{image.Height}×{image.Channels}: the shortcut differs from the general loop");
            Assert.Contains(reference, v => v != reference[0]);
        }
    }
}
