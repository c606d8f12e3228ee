using Google.Protobuf;
using SkiaSharp;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Reporting;
using TransferLearning.ML.Tests.Cli;
using TransferLearning.ML.Tests.Data;

namespace TransferLearning.ML.Tests.Training;

/// <summary>
/// <c>WithLoader(skipUnreadableImages: true)</c> reaches every loader of a run: a damaged image in the validation or
/// test split no longer fails the final evaluation after all epochs, and every skipped file is listed.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class SkipUnreadableRunTests : IDisposable
{
    private readonly TempFolder _work = new();

    private ImageDataset Folder(string name, int perClass, params (string Class, string File, byte[] Bytes)[] extra)
    {
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < perClass; i++)
            {
                var color = new SKColor((byte)(c * 200 + i * 10), (byte)(50 + i * 20), (byte)(200 - c * 150));
                File.WriteAllBytes(_work.File(name, c == 0 ? "a" : "b", $"{i}.png"), EncodedImages.Skia(20, 20, (_, _) => color));
            }
        foreach (var (cls, file, bytes) in extra) File.WriteAllBytes(_work.File(name, cls, file), bytes);
        return ImageDataset.FromFolder(Path.Combine(_work.Path, name), new ImageDatasetOptions { ClassNames = ["a", "b"] });
    }

    private Backbone Tiny()
    {
        string path = _work.File("tiny.onnx");
        File.WriteAllBytes(path, TlFailureTests.Backbone().ToByteArray());
        return Backbone.FromOnnx(path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Damaged_images_in_validation_and_test_are_skipped_and_listed_in_both_modes(bool fineTune)
    {
        byte[] truncated = EncodedImages.Skia(20, 20, (_, _) => SKColors.Red)[..40];
        var train = Folder("train", 4);
        var validation = Folder("validation", 2, ("a", "cut.png", truncated));
        var test = Folder("test", 2, ("b", "bomb.png", EncodedImages.Bomb(12000, 12000)));
        var learner = TransferLearner.For(Tiny())
            .WithSplits(train, validation, test)
            .Augment(Augmentations.None)
            .WithThreads(1)
            .WithBootstrap(0)
            .WithLoader(new ImageLoadingOptions { Workers = 1, SkipUnreadableImages = true });
        learner = fineTune
            ? learner.FineTune(new TransferLearning.ML.Training.FineTuneOptions { Epochs = 1, HeadEpochs = 1, UnfreezeLastBlocks = 0, BatchSize = 4 })
            : learner.ExtractFeatures(new TransferLearning.ML.Training.FeatureExtraction.FeatureExtractionOptions { Epochs = 2, CacheDirectory = Path.Combine(_work.Path, "features") });

        var result = learner.Fit();

        Assert.Equal(4, result.ValidationMetrics!.SampleCount);
        Assert.Equal(4, result.TestMetrics!.SampleCount);
        Assert.Contains(result.SkippedFiles, f => f.Path.EndsWith("cut.png", StringComparison.Ordinal));
        Assert.Contains(result.SkippedFiles, f => f.Path.EndsWith("bomb.png", StringComparison.Ordinal) && f.Reason.Contains("12000×12000"));
        string report = RunReportBuilder.Write(Path.Combine(_work.Path, "report"), result);
        string html = File.ReadAllText(report);
        Assert.Contains("Skipped images (2)", html);
        result.Model.Save(Path.Combine(_work.Path, "model.tlmodel"));
    }

    [Fact]
    public void Without_skipping_a_damaged_test_image_fails_with_its_name()
    {
        var train = Folder("train", 4);
        var test = Folder("test", 2, ("b", "cut.png", EncodedImages.Skia(20, 20, (_, _) => SKColors.Red)[..40]));
        var e = Assert.Throws<ImageDataException>(() => TransferLearner.For(Tiny())
            .WithSplits(train, Folder("validation", 2), test).Augment(Augmentations.None).WithThreads(1).WithBootstrap(0)
            .ExtractFeatures(new TransferLearning.ML.Training.FeatureExtraction.FeatureExtractionOptions { Epochs = 1, CacheDirectory = Path.Combine(_work.Path, "features") })
            .Fit());
        Assert.Contains("cut.png", e.Message);
    }

    [Fact]
    public void Without_skipping_a_non_image_or_a_bomb_in_the_test_split_stops_the_run_before_the_first_epoch()
    {
        var train = Folder("train", 4);
        var test = Folder("test", 2, ("b", "notes.png", "not an image\n"u8.ToArray()));
        int epochs = 0;
        var progress = new InlineProgress<TransferLearning.ML.Training.TrainingProgress>(p => { if (p.EpochResult is not null) epochs++; });
        var e = Assert.ThrowsAny<ImageDataException>(() => TransferLearner.For(Tiny())
            .WithSplits(train, Folder("validation", 2, ("a", "bomb.png", EncodedImages.Bomb(40000, 40000))), test)
            .Augment(Augmentations.None).WithThreads(1).WithBootstrap(0)
            .FineTune(new TransferLearning.ML.Training.FineTuneOptions { Epochs = 1, HeadEpochs = 1, UnfreezeLastBlocks = 0, BatchSize = 4 })
            .Fit(progress));
        Assert.Equal(0, epochs);
        Assert.IsType<ImageTooLargeException>(e); // validation comes first
        Assert.Contains("bomb.png", e.Message);
    }

    public void Dispose() => _work.Dispose();
}
