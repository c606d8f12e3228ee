using TransferLearning.ML.Backbones;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training;

/// <summary>An int8 backbone (ONNX Model Zoo's mobilenetv2-12-int8): frozen use works, training its blocks is refused up front.</summary>
[Collection(TrainingCollection.Name)]
public sealed class QuantizedBackboneTests
{
    private const string Int8 = "models/mobilenetv2-12-int8.onnx";

    private static TransferLearner Learner() => TransferLearner.For(Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")))
        .WithImages(TrainingData.KermanySubset(perClass: 12))
        .Split(validation: 0.25, test: 0, seed: 3)
        .WithSeed(2)
        .WithBootstrap(0);

    [SharedFact(Int8, TrainingData.Kermany)]
    public void Fine_tuning_the_blocks_of_an_int8_backbone_is_refused_before_any_epoch()
    {
        Assert.True(Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")).IsQuantized);
        Assert.False(TrainingData.MobileNetV2.IsQuantized);
        int epochs = 0;
        var error = Assert.Throws<ArgumentException>(() => Learner()
            .FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 2, BatchSize = 8 })
            .Fit(new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is not null) epochs++; })));
        Assert.Contains("quantised (int8)", error.Message);
        Assert.Contains("UnfreezeLastBlocks = 0", error.Message);
        Assert.Equal(0, epochs);
    }

    [SharedFact(Int8, TrainingData.Kermany)]
    public void A_head_fine_tuned_on_a_frozen_int8_backbone_is_saved_and_predicts()
    {
        var result = Learner().FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 0, BatchSize = 8 }).Fit();
        using var model = result.Model;
        string image = result.Splits.Validation.Samples[0].Source.Path!;
        var prediction = model.Predict(image);
        Assert.Equal(1.0, prediction.Probabilities.Sum(), 4);
        Assert.Equal(result.Splits.Validation.Count, result.ValidationMetrics!.SampleCount);
    }
}
