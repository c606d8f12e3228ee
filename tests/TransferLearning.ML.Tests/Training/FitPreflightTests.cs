using Google.Protobuf;
using SkiaSharp;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Cli;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Training;

/// <summary>
/// The Fit preflight (issue #16): what the end of a run needs (one training batch, the classifier graph with the
/// untrained head in an ONNX Runtime session) is built before the first epoch, so a run that could not be
/// evaluated fails before training, naming the cause, and a normal run is unchanged.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class FitPreflightTests : IDisposable
{
    private readonly TempFolder _work = new();

    private ImageDataset Folder(string name, int perClass)
    {
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < perClass; i++)
            {
                var color = new SKColor((byte)(c * 200 + i * 10), (byte)(50 + i * 20), (byte)(200 - c * 150));
                File.WriteAllBytes(_work.File(name, c == 0 ? "a" : "b", $"{i}.png"), EncodedImages.Skia(20, 20, (_, _) => color));
            }
        return ImageDataset.FromFolder(Path.Combine(_work.Path, name), new ImageDatasetOptions { ClassNames = ["a", "b"] });
    }

    private Backbone Write(ModelProto model)
    {
        string path = _work.File($"backbone-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return Backbone.FromOnnx(path);
    }

    private static TransferLearner Learner(Backbone backbone, ImageDataset train, ImageDataset validation, bool fineTune, string cache)
    {
        var learner = TransferLearner.For(backbone).WithSplits(train, validation, null)
            .Augment(Augmentations.None).WithThreads(1).WithBootstrap(0).WithLoader(new ImageLoadingOptions { Workers = 1 });
        return fineTune
            ? learner.FineTune(new FineTuneOptions { Epochs = 1, HeadEpochs = 1, UnfreezeLastBlocks = 1, BatchSize = 4 })
            : learner.ExtractFeatures(new FeatureExtractionOptions { Epochs = 2, CacheDirectory = cache });
    }

    /// <summary>
    /// A backbone the TorchSharp module computes but ONNX Runtime refuses: an intermediate tensor declared double in
    /// value_info while its Relu makes float. Fine-tuning never opens ONNX Runtime before the evaluation, so this
    /// used to fail only after all epochs.
    /// </summary>
    [Fact]
    public void A_backbone_ONNX_Runtime_refuses_stops_fine_tuning_before_the_first_epoch_naming_the_cause()
    {
        var model = TlFailureTests.Backbone();
        model.Graph.ValueInfo.Add(ValueInfo("relu_out", TensorProto.Types.DataType.Double, null, 4, 16, 16));
        int epochs = 0;
        var progress = new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is not null) epochs++; });

        var e = Assert.Throws<OnnxModelException>(() =>
            Learner(Write(model), Folder("train", 4), Folder("validation", 2), fineTune: true, Path.Combine(_work.Path, "features")).Fit(progress));

        Assert.Equal(0, epochs);
        Assert.Contains("Preflight (before the first epoch)", e.Message);
        Assert.Contains("ONNX Runtime", e.Message);
        Assert.Contains("relu_out", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_normal_run_passes_the_preflight_and_trains(bool fineTune)
    {
        int epochs = 0;
        var progress = new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is not null) epochs++; });

        var result = Learner(Write(TlFailureTests.Backbone()), Folder("train", 4), Folder("validation", 2), fineTune,
            Path.Combine(_work.Path, "features")).Fit(progress);

        Assert.True(epochs > 0);
        Assert.Equal(epochs, result.History.Count);
        Assert.Equal(4, result.ValidationMetrics!.SampleCount);
    }

    public void Dispose() => _work.Dispose();
}
