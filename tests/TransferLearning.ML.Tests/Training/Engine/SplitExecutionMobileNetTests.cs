using Microsoft.Extensions.Logging;
using TransferLearning.ML.Training;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Training.Engine;

/// <summary>Split execution on the real MobileNetV2 (ONNX Runtime's fused, vectorised kernels against libtorch's):
/// the same seed gives the same validation loss per epoch within 1e-3 relative, with both phases split.</summary>
[Collection(TrainingCollection.Name)]
public sealed class SplitExecutionMobileNetTests(ITestOutputHelper output)
{
    private static TransferLearner Learner(bool split, ILogger? logger = null)
    {
        var learner = TransferLearner.For(TrainingData.MobileNetV2)
            .WithImages(TrainingData.KermanySubset(perClass: 20))
            .Split(validation: 0.3, test: 0, seed: 3)
            .WithSeed(11)
            .WithThreads(2)
            .WithBootstrap(0);
        if (logger is not null) learner = learner.WithLogger(logger);
        return learner.FineTune(new FineTuneOptions
        {
            HeadEpochs = 1, Epochs = 2, UnfreezeLastBlocks = 5, BatchSize = 8, FrozenBlocksInOnnxRuntime = split,
        });
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Split_execution_of_MobileNetV2_gives_the_all_TorchSharp_validation_losses()
    {
        var log = new RecordingLogger();
        var split = Learner(split: true, log).Fit();
        var torchOnly = Learner(split: false).Fit();
        foreach (string line in log.Messages.Where(m => m.StartsWith("Phase ", StringComparison.Ordinal))) output.WriteLine(line);

        Assert.Contains(log.Messages, m => m.Contains("Phase head: the ") && m.Contains("run in ONNX Runtime"));
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the ") && m.Contains("run in ONNX Runtime"));
        Assert.Equal(3, split.History.Count);
        Assert.Equal(torchOnly.History.Count, split.History.Count);
        for (int i = 0; i < split.History.Count; i++)
        {
            double a = split.History[i].ValidationLoss, b = torchOnly.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-3 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} split, {b:G9} all TorchSharp");
        }
        Assert.Equal(torchOnly.ValidationMetrics!.Accuracy, split.ValidationMetrics!.Accuracy, 3);
    }
}
