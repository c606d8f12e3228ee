using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class AugmentationTests
{
    private static readonly ImagePreprocessing Small = new() { Width = 32, Height = 32, Normalization = Normalization.ZeroToOne };

    /// <summary>A 40×36 image with a gradient and an off-centre block, so every geometric change shows.</summary>
    private static readonly DecodedImage Picture = MakePicture();

    private static DecodedImage MakePicture()
    {
        var bytes = new byte[40 * 36 * 3];
        for (int y = 0; y < 36; y++)
            for (int x = 0; x < 40; x++)
            {
                int o = (y * 40 + x) * 3;
                bytes[o] = (byte)(x * 6);
                bytes[o + 1] = (byte)(y * 7);
                bytes[o + 2] = (byte)(x < 10 && y < 12 ? 250 : 30);
            }
        return new DecodedImage(40, 36, 3, bytes);
    }

    private static float[] Augment(AugmentationPipeline? pipeline, int seed = 1, int epoch = 0, int index = 0)
    {
        var output = new float[Small.ValuesPerImage];
        new Tensorizer(Small).Write(Picture, output, pipeline, new AugmentationRandom(seed, epoch, index));
        return output;
    }

    [Fact]
    public void Same_seed_epoch_and_index_give_identical_pixels()
    {
        Assert.Equal(Augment(Augmentations.Strong, 5, 3, 17), Augment(Augmentations.Strong, 5, 3, 17));
    }

    [Fact]
    public void Another_epoch_gives_different_pixels()
    {
        Assert.NotEqual(Augment(Augmentations.Standard, 5, 3, 17), Augment(Augmentations.Standard, 5, 4, 17));
    }

    [Fact]
    public void Another_sample_index_gives_different_pixels()
    {
        Assert.NotEqual(Augment(Augmentations.Standard, 5, 3, 17), Augment(Augmentations.Standard, 5, 3, 18));
    }

    [Fact]
    public void Neutral_geometric_steps_leave_the_image_unchanged()
    {
        var neutral = new AugmentationPipeline(new Rotation(0), new Zoom(1, 1), new Shift(0, 0), new Shear(0));
        float[] expected = Augment(null), actual = Augment(neutral);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }

    [Fact]
    public void Horizontal_flip_mirrors_columns()
    {
        float[] plain = Augment(null), flipped = Augment(new AugmentationPipeline(new HorizontalFlip(1)));
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    Assert.Equal(plain[c * 1024 + y * 32 + x], flipped[c * 1024 + y * 32 + 31 - x], 4);
    }

    [Fact]
    public void Vertical_flip_mirrors_rows()
    {
        float[] plain = Augment(null), flipped = Augment(new AugmentationPipeline(new VerticalFlip(1)));
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                Assert.Equal(plain[y * 32 + x], flipped[(31 - y) * 32 + x], 4);
    }

    [Fact]
    public void Probability_zero_never_applies()
    {
        Assert.Equal(Augment(null), Augment(new AugmentationPipeline(new HorizontalFlip(0), new Rotation(30, 0), new Brightness(0.5, 0))));
    }

    [Fact]
    public void Brightness_scales_every_value_by_one_factor_within_range()
    {
        float[] plain = Augment(null), brighter = Augment(new AugmentationPipeline(new Brightness(0.1)), seed: 9);
        int i = Array.FindIndex(plain, v => v is > 0.2f and < 0.8f);
        float factor = brighter[i] / plain[i];
        Assert.InRange(factor, 0.9f, 1.1f);
        Assert.NotEqual(1f, factor, 3);
        for (int j = 0; j < plain.Length; j++)
            if (plain[j] * factor <= 1) Assert.Equal(plain[j] * factor, brighter[j], 4);
    }

    [Fact]
    public void Cutout_blacks_out_a_square()
    {
        float[] cut = Augment(new AugmentationPipeline(new Cutout(0.25, 1, 1)));
        float[] plain = Augment(null);
        int zeros = cut.Count(v => v == 0) - plain.Count(v => v == 0);
        Assert.InRange(zeros, 3 * 4 * 4, 3 * 8 * 8);
    }

    [Fact]
    public void Rotation_moves_pixels_and_stays_in_range()
    {
        float[] rotated = Augment(new AugmentationPipeline(new Rotation(30)), seed: 2);
        Assert.NotEqual(Augment(null), rotated);
        Assert.All(rotated, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Random_resized_crop_changes_the_view()
    {
        Assert.NotEqual(Augment(null), Augment(new AugmentationPipeline(new RandomResizedCrop()), seed: 4));
    }

    [Fact]
    public void Chest_safe_presets_never_flip()
    {
        Assert.DoesNotContain(Augmentations.Light.Steps, s => s is HorizontalFlip or VerticalFlip);
        Assert.DoesNotContain(Augmentations.Standard.Steps, s => s is HorizontalFlip or VerticalFlip);
        Assert.Contains(Augmentations.Strong.Steps, s => s is HorizontalFlip);
    }

    [Fact]
    public void Standard_preset_is_the_reference_recipe()
    {
        Assert.Contains(new Rotation(10), Augmentations.Standard.Steps);
        Assert.Contains(new Shift(0.05, 0.05), Augmentations.Standard.Steps);
        Assert.Contains(new Zoom(0.9, 1.1), Augmentations.Standard.Steps);
        Assert.Contains(new Shear(5), Augmentations.Standard.Steps);
        Assert.Contains(new Brightness(0.1), Augmentations.Standard.Steps);
        Assert.Contains(new Contrast(0.1), Augmentations.Standard.Steps);
    }

    [Fact]
    public void Probability_outside_zero_to_one_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new AugmentationPipeline(new HorizontalFlip(1.5)));
    }
}
