using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary><see cref="ImagePreprocessing.ToInput"/> gives one image exactly as the loaders give it to the network.</summary>
public sealed class ImagePreprocessingInputTests
{
    private static readonly byte[] s_image = EncodedImages.Skia(37, 23, (x, y) => new SKColor((byte)(x * 6), (byte)(y * 9), (byte)((x + y) * 4)));

    [Theory]
    [InlineData(ResizeMode.Stretch, ChannelOrder.RGB, 3)]
    [InlineData(ResizeMode.ShorterSideCenterCrop, ChannelOrder.BGR, 3)]
    [InlineData(ResizeMode.PadToSquare, ChannelOrder.RGB, 1)]
    public void The_input_equals_the_loaders_values_for_the_same_image(ResizeMode resize, ChannelOrder order, int channels)
    {
        var preprocessing = ImagePreprocessing.ImageNet224 with
        {
            Width = 16, Height = 12, ResizeMode = resize, ChannelOrder = order, Channels = channels,
            Normalization = channels == 1 ? new Normalization([0.5f], [0.25f]) : Normalization.ImageNet,
        };

        float[] input = preprocessing.ToInput(ImageSource.FromBytes(s_image, "gradient.png"));

        var dataset = ImageDataset.FromMemory([("gradient.png", s_image, "a"), ("gradient2.png", s_image, "b")]);
        using var loader = new ImageBatchLoader(dataset, preprocessing, new BatchLoaderOptions { BatchSize = 1 });
        var batch = loader.ReadEpoch(0, CancellationToken.None).First();
        Assert.Equal(preprocessing.ValuesPerImage, input.Length);
        Assert.Equal(batch.Buffer.AsSpan(0, preprocessing.ValuesPerImage).ToArray(), input);
        Assert.Contains(input, v => v != input[0]); // a gradient, not a constant
    }

    [Fact]
    public void An_image_over_the_pixel_budget_is_refused_with_its_name()
    {
        var error = Assert.Throws<ImageTooLargeException>(() =>
            ImagePreprocessing.ImageNet224.ToInput(ImageSource.FromBytes(s_image, "gradient.png"), maxImagePixels: 100));
        Assert.Contains("gradient.png", error.Message);
    }
}
