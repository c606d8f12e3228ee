using Google.Protobuf;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class FineTuneTests : IDisposable
{
    private readonly List<string> _directories = [];

    private static FineTuneOptions Small(int unfreeze = 2) => new()
    {
        HeadEpochs = 1, Epochs = 2, UnfreezeLastBlocks = unfreeze, BatchSize = 8,
    };

    private static TransferLearner Learner(FineTuneOptions options) => TransferLearner.For(TrainingData.MobileNetV2)
        .WithImages(TrainingData.KermanySubset(perClass: 20))
        .Split(validation: 0.3, test: 0, seed: 3)
        .WithSeed(11)
        .WithBootstrap(0)
        .FineTune(options);

    private string Directory(string name)
    {
        string path = TrainingData.TemporaryDirectory(name);
        _directories.Add(path);
        return path;
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Fine_tuning_changes_only_the_unfrozen_blocks_and_keeps_every_frozen_weight_bit_identical()
    {
        var result = Learner(Small(unfreeze: 2)).Fit();

        var original = Initializers(TrainingData.MobileNetV2.FeatureGraph.ToBytes());
        var trained = Initializers(result.Model.ToOnnxBytes());
        using var module = OnnxModule.FromBytes(TrainingData.MobileNetV2.FeatureGraph.ToBytes());
        var blocks = module.Blocks;
        var frozen = blocks.Take(blocks.Count - 2).SelectMany(b => b.ParameterNames).ToList();
        var unfrozen = blocks.Skip(blocks.Count - 2).SelectMany(b => b.ParameterNames).ToList();

        Assert.NotEmpty(frozen);
        Assert.All(frozen, name => Assert.True(original[name].Equals(trained[name]), $"frozen {name} changed"));
        Assert.Contains(unfrozen, name => !original[name].Equals(trained[name]));
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_same_seed_and_threads_give_the_same_model_and_metrics()
    {
        var first = Learner(Small()).WithThreads(2).Fit();
        var second = Learner(Small()).WithThreads(2).Fit();

        AssertSameWeights(first.Model.ToOnnxBytes(), second.Model.ToOnnxBytes());
        AssertSameLosses(first.History, second.History);
        Assert.Equal(first.ValidationMetrics!.Accuracy, second.ValidationMetrics!.Accuracy);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_run_cancelled_mid_epoch_resumes_from_its_checkpoint_and_ends_like_an_uninterrupted_run()
    {
        var uninterrupted = Learner(Small()).WithThreads(2).WithCheckpoints(Directory("ckpt-a")).Fit();

        string checkpoints = Directory("ckpt-b");
        using var cancellation = new CancellationTokenSource();
        var cancelInLastEpoch = new InlineProgress<TrainingProgress>(p =>
        {
            if (p.Epoch == 3 && p.Batch == 2 && p.EpochResult is null) cancellation.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Learner(Small()).WithThreads(2).WithCheckpoints(checkpoints).Fit(cancelInLastEpoch, cancellation.Token));
        Assert.True(File.Exists(Path.Combine(checkpoints, "checkpoint.tlckpt")), "cancellation left no checkpoint");

        var epochsSeen = new List<int>();
        var resumed = Learner(Small()).WithThreads(2).WithCheckpoints(checkpoints)
            .Fit(new InlineProgress<TrainingProgress>(p => { if (p.EpochResult is { } e) epochsSeen.Add(e.Epoch); }));

        Assert.Equal([3], epochsSeen); // epochs 1 and 2 came from the checkpoint
        Assert.Equal(uninterrupted.History.Take(2), resumed.History.Take(2), (a, b) => a with { Seconds = 0, TrainSeconds = 0 } == b with { Seconds = 0, TrainSeconds = 0 });
        AssertSameLosses(uninterrupted.History, resumed.History);
        AssertSameWeights(uninterrupted.Model.ToOnnxBytes(), resumed.Model.ToOnnxBytes());
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_head_phase_that_stops_early_is_still_followed_by_the_fine_tuning_phase()
    {
        // no epoch after the first improves by 1e9: every phase stops after its patience of one epoch
        var options = Small() with
        {
            HeadEpochs = 3, Epochs = 3,
            EarlyStopping = new EarlyStoppingOptions { Patience = 1, MinDelta = 1e9, RestoreBestWeights = false },
        };

        var result = Learner(options).Fit();

        Assert.Equal(["head", "finetune"], result.Phases.Select(p => p.Name));
        Assert.True(result.Phases[0].StoppedEarly);
        Assert.Equal(2, result.Phases[0].EpochsRun);
        Assert.Equal(1, result.Phases[1].EpochsRun); // its own patience: one epoch without improvement
        Assert.Contains(result.History, e => e.Phase == "finetune");
        Assert.True(result.StoppedEarly);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Unfreezing_more_blocks_than_the_backbone_has_says_how_many_there_are()
    {
        var error = Assert.Throws<ArgumentException>(() => Learner(Small(unfreeze: 500)).Fit());

        Assert.Contains("UnfreezeLastBlocks = 500", error.Message);
        Assert.Contains("from 0", error.Message);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Zero_epochs_are_refused_before_any_work_with_a_message_that_says_what_to_change()
    {
        var error = Assert.Throws<ArgumentException>(() => Learner(new FineTuneOptions { Epochs = 0, HeadEpochs = 0 }).Fit());

        Assert.Contains("at least one epoch", error.Message);
    }

    // Runs are bit-identical on an idle machine; under heavy load libtorch's thread pool may split a reduction
    // differently, which moves the last float digits. A resume that restored the wrong state (optimiser, schedule,
    // data order, dropout stream) differs by orders of magnitude more than these tolerances.
    private static void AssertSameLosses(IReadOnlyList<EpochMetrics> expected, IReadOnlyList<EpochMetrics> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TrainLoss, actual[i].TrainLoss, 1e-5);
            Assert.Equal(expected[i].ValidationLoss, actual[i].ValidationLoss, 1e-5);
        }
    }

    private static void AssertSameWeights(byte[] expected, byte[] actual)
    {
        var a = ModelProto.Parser.ParseFrom(expected).Graph.Initializer.ToDictionary(t => t.Name);
        var b = ModelProto.Parser.ParseFrom(actual).Graph.Initializer.ToDictionary(t => t.Name);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, tensor) in a)
        {
            float[] x = Floats(tensor), y = Floats(b[name]);
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= 1e-5f * Math.Max(1f, Math.Abs(x[i])), $"{name}[{i}]: {x[i]} vs {y[i]}");
        }
    }

    private static float[] Floats(TensorProto tensor) => tensor.DataType != (int)TensorProto.Types.DataType.Float ? []
        : tensor.RawData.Length > 0 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
        : tensor.FloatData.ToArray();

    private static Dictionary<string, ByteString> Initializers(byte[] onnx) =>
        ModelProto.Parser.ParseFrom(onnx).Graph.Initializer.ToDictionary(t => t.Name, t => t.RawData.Length > 0 ? t.RawData : ByteString.CopyFrom(t.FloatData.SelectMany(BitConverter.GetBytes).ToArray()));

    public void Dispose()
    {
        foreach (string directory in _directories) System.IO.Directory.Delete(directory, recursive: true);
    }
}
