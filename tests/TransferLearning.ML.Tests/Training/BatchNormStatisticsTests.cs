using Google.Protobuf;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training;

/// <summary>
/// BatchNormalization statistics on the real ImageNet ResNet18 (CNTK export, 22 BatchNormalization nodes that are not
/// folded into the convolutions): with <see cref="FineTuneOptions.TrainBatchNormStatistics"/> only the layers of the
/// blocks being trained update their running mean and variance.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class BatchNormStatisticsTests
{
    [SharedFact(TrainingData.Kermany)]
    public void Fine_tuning_with_batch_statistics_updates_only_the_trained_blocks_and_keeps_frozen_ones_bit_identical()
    {
        var backbone = TrainingData.ResNet18;
        var result = FineTune(unfreeze: 1, batchStatistics: true);

        var featureGraph = backbone.FeatureGraph;
        var original = Initializers(featureGraph.ToBytes());
        var trained = Initializers(result.Model.ToOnnxBytes());
        using var module = OnnxModule.FromBytes(featureGraph.ToBytes());
        var trainedBlockParameters = module.Blocks[^1].ParameterNames.ToHashSet();
        var statistics = featureGraph.Graph.Node.Where(n => n.OpType == "BatchNormalization")
            .Select(n => (Trained: trainedBlockParameters.Contains(n.Input[1]), Mean: n.Input[3], Variance: n.Input[4]))
            .ToList();
        var frozen = statistics.Where(s => !s.Trained).SelectMany(s => new[] { s.Mean, s.Variance }).ToList();
        var learning = statistics.Where(s => s.Trained).SelectMany(s => new[] { s.Mean, s.Variance }).ToList();

        Assert.Equal(22, statistics.Count);
        Assert.NotEmpty(frozen);
        Assert.NotEmpty(learning);
        Assert.All(frozen, name => Assert.True(original[name].Equals(trained[name]), $"frozen statistics {name} changed"));
        Assert.All(learning, name => Assert.False(original[name].Equals(trained[name]), $"statistics {name} of the trained block did not change"));
    }

    [SharedFact(TrainingData.Kermany)]
    public void Without_batch_statistics_every_running_mean_and_variance_stays_as_imported()
    {
        var backbone = TrainingData.ResNet18;
        var result = FineTune(unfreeze: 2, batchStatistics: false);

        var featureGraph = backbone.FeatureGraph;
        var original = Initializers(featureGraph.ToBytes());
        var trained = Initializers(result.Model.ToOnnxBytes());
        var names = featureGraph.Graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => new[] { n.Input[3], n.Input[4] });

        Assert.All(names, name => Assert.True(original[name].Equals(trained[name]), $"statistics {name} changed"));
    }

    private static TrainingResult FineTune(int unfreeze, bool batchStatistics) => TransferLearner.For(TrainingData.ResNet18)
        .WithImages(TrainingData.KermanySubset(perClass: 8))
        .Split(validation: 0.25, test: 0, seed: 3)
        .WithSeed(5)
        .WithBootstrap(0)
        .FineTune(new FineTuneOptions
        {
            HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = unfreeze, BatchSize = 8, TrainBatchNormStatistics = batchStatistics,
            // keep the fine-tune epoch's weights even when the head epoch validated better
            EarlyStopping = new EarlyStoppingOptions { RestoreBestWeights = false },
        })
        .Fit();

    private static Dictionary<string, ByteString> Initializers(byte[] onnx) =>
        ModelProto.Parser.ParseFrom(onnx).Graph.Initializer.ToDictionary(t => t.Name,
            t => t.RawData.Length > 0 ? t.RawData : ByteString.CopyFrom(t.FloatData.SelectMany(BitConverter.GetBytes).ToArray()));
}
