using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Training.Loop;
using TransferLearning.ML.Training;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Engine;

/// <summary>
/// Pipelined split execution (issue 15, part 3): the frozen prefix of the next batch runs on its own thread while
/// the current batch trains. Every batch is computed as unpipelined, so a run gives the unpipelined run's results
/// (up to the rounding of another thread count); a boundary paired with the wrong batch's labels, a batch lost or
/// trained twice, or batches reordered change the losses far beyond that.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class PipelineTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(bool pipelined, long cacheBytes = 0) => new()
    {
        HeadEpochs = 2, Epochs = 3, UnfreezeLastBlocks = 1, BatchSize = 8, FineTuneLearningRate = 3e-3,
        FrozenOutputCacheBytes = cacheBytes, PipelineFrozenBlocks = pipelined,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_pipelined_run_gives_the_unpipelined_validation_losses(bool bothEnginesOnTwoThreads)
    {
        var backbone = LoopFixtures.Backbone(_work);
        var log = new RecordingLogger();
        var options = Options(pipelined: true) with { SplitThreads = bothEnginesOnTwoThreads ? (2, 2) : null };
        var pipelined = LoopFixtures.Learner(backbone).WithLogger(log).FineTune(options).Fit();
        var sequential = LoopFixtures.Learner(backbone).FineTune(Options(pipelined: false)).Fit();

        Assert.Contains(log.Messages, m => m.Contains("Phase head: the frozen blocks run one batch ahead on their own thread (pipelined)"));
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks run one batch ahead on their own thread (pipelined)"));
        Assert.Equal(5, pipelined.History.Count);
        Assert.Equal(sequential.History.Select(h => h.TrainImages), pipelined.History.Select(h => h.TrainImages));
        for (int i = 0; i < pipelined.History.Count; i++)
        {
            double a = pipelined.History[i].ValidationLoss, b = sequential.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} pipelined, {b:G9} unpipelined");
            double c = pipelined.History[i].TrainLoss, d = sequential.History[i].TrainLoss;
            Assert.True(Math.Abs(c - d) <= 1e-5 * Math.Abs(d), $"epoch {i + 1}: training loss {c:G9} pipelined, {d:G9} unpipelined");
        }
        // the training moved the losses: equal losses are not those of a run that trained nothing
        Assert.NotEqual(sequential.History[0].ValidationLoss, sequential.History[^1].ValidationLoss);
    }

    /// <summary>The pass that fills the prefix cache is pipelined too; the cached run stays the unpipelined one.</summary>
    [Fact]
    public void A_pipelined_cached_run_gives_the_unpipelined_results()
    {
        var backbone = LoopFixtures.Backbone(_work);
        var pipelined = LoopFixtures.Learner(backbone).FineTune(Options(pipelined: true, cacheBytes: 1L << 30)).Fit();
        var sequential = LoopFixtures.Learner(backbone).FineTune(Options(pipelined: false, cacheBytes: 0)).Fit();

        for (int i = 0; i < pipelined.History.Count; i++)
        {
            double a = pipelined.History[i].ValidationLoss, b = sequential.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} pipelined and cached, {b:G9} neither");
        }
    }

    /// <summary>An error on the producer thread (here: the loader) reaches the caller, and leaving the loop early
    /// stops the producer without waiting for the rest of the batches.</summary>
    [Fact]
    public void Producer_errors_reach_the_caller_and_an_early_exit_stops_the_producer()
    {
        using var module = OnnxModule.FromModel(LoopFixtures.BackboneModel());
        var graph = ML.Onnx.OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(LoopFixtures.BackboneModel()));
        using var prefix = FrozenPrefix.TryCreate(graph, module, 2, threads: 1, "test", new RecordingLogger())!;
        int size = LoopFixtures.Size;

        int produced = 0;
        IEnumerable<ImageBatch> Batches(int count, bool fail)
        {
            for (int i = 0; i < count; i++)
            {
                if (fail && i == 2) throw new ImageDataException("unreadable batch 2");
                produced++;
                yield return new ImageBatch(new float[2 * 3 * size * size], 2, 3, size, size, [0, 1], [2 * i, 2 * i + 1], i);
            }
        }

        var seen = new List<int>();
        var error = Assert.Throws<ImageDataException>(() =>
        {
            foreach (var item in PrefixPipeline.Run(Batches(5, fail: true), prefix, 1, null, CancellationToken.None))
            {
                using var scope = NewDisposeScope();
                Assert.Equal(prefix.BoundaryShape, item.Take().shape.Skip(1).ToArray());
                seen.Add(item.Samples[0]);
            }
        });
        Assert.Equal("unreadable batch 2", error.Message);
        Assert.Equal([0, 2], seen);

        produced = 0;
        foreach (var item in PrefixPipeline.Run(Batches(1000, fail: false), prefix, 1, null, CancellationToken.None))
        {
            using var scope = NewDisposeScope();
            item.Take();
            break;
        }
        Assert.InRange(produced, 1, 4); // depth 1: one batch queued, one being computed, then the producer stops
    }

    public void Dispose() => _work.Dispose();
}
