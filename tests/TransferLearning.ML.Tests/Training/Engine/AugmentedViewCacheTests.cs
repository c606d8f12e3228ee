using Microsoft.Extensions.Logging;
using TransferLearning.ML.Data;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Training.Loop;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training.Engine;

/// <summary>
/// K augmented cached views (issue 15, part 2b, <see cref="FineTuneOptions.CachedAugmentedViews"/>): with
/// augmentation the first K epochs of a phase compute and keep view k of each image's boundary tensor, and epoch
/// e ≥ K trains on view e mod K. The views are those epochs' own augmented images, so the epochs that fill them are
/// the uncached augmented run's epochs bit for bit; the epochs after them read no image.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class AugmentedViewCacheTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(int views, long cacheBytes = 1L << 30) => new()
    {
        HeadEpochs = 1, Epochs = 4, UnfreezeLastBlocks = 1, BatchSize = 8, FineTuneLearningRate = 3e-3,
        FrozenOutputCacheBytes = cacheBytes, CachedAugmentedViews = views, FrozenOutputDiskCacheBytes = 0, // memory only (disk: PrefixCacheTests)
    };

    private TrainingResult Fit(int views, long cacheBytes = 1L << 30, ILogger? log = null)
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).Augment(Augmentations.Light);
        if (log is not null) learner = learner.WithLogger(log);
        return learner.FineTune(Options(views, cacheBytes)).Fit();
    }

    /// <summary>
    /// K = 4 covers the 4 fine-tune epochs: each computes its own view, so the run is the uncached one bit for bit.
    /// K = 1: the phases' first epochs are the uncached run's bit for bit; from the second fine-tune epoch on the
    /// trainable blocks see view 0 again instead of newly augmented images, so the training losses move away from
    /// the uncached run's (with reuse broken, e.g. every epoch computing afresh, they would stay equal).
    /// </summary>
    [Fact]
    public void Views_are_the_augmented_epochs_own_and_later_epochs_reuse_them()
    {
        var log = new RecordingLogger();
        var uncached = Fit(views: 0, log: log);
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output is not cached: the training images are augmented"));

        var allViews = Fit(views: 4);
        Assert.Equal(uncached.History.Select(h => h.TrainLoss), allViews.History.Select(h => h.TrainLoss));
        Assert.Equal(uncached.History.Select(h => h.ValidationLoss), allViews.History.Select(h => h.ValidationLoss));

        var oneLog = new RecordingLogger();
        var one = Fit(views: 1, log: oneLog);
        Assert.Contains(oneLog.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p1', [16,8,8] per image) of 1 augmented view(s) of each training image is kept"));
        Assert.Equal(uncached.History.Count, one.History.Count);
        // epoch 1 is the head phase, 2 the first fine-tune epoch: both fill view 0
        Assert.Equal(uncached.History[0].TrainLoss, one.History[0].TrainLoss);
        Assert.Equal(uncached.History[1].TrainLoss, one.History[1].TrainLoss);
        Assert.Equal(uncached.History[1].ValidationLoss, one.History[1].ValidationLoss);
        Assert.Equal(uncached.History.Select(h => h.TrainImages), one.History.Select(h => h.TrainImages));
        for (int i = 2; i < one.History.Count; i++)
            Assert.NotEqual(uncached.History[i].TrainLoss, one.History[i].TrainLoss);
    }

    /// <summary>The views must fit FrozenOutputCacheBytes: 24 training images × 2 views + 12 validation images of
    /// 16·8·8 floats = 246 KB in the fine-tune phase; a 200 KB budget keeps 1 view (147 KB) but not 2, and the phase
    /// that does not fit runs uncached (the uncached run's losses, bit for bit), as the log says.</summary>
    [Fact]
    public void Views_beyond_the_memory_budget_are_not_cached()
    {
        var log = new RecordingLogger();
        var refused = Fit(views: 2, cacheBytes: 200_000, log: log);
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output is not cached: 0 MB for 36 images (2 augmented view(s) of each training image), above FrozenOutputCacheBytes"));
        Assert.DoesNotContain(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p1'"));
        var uncached = Fit(views: 0);
        Assert.Equal(uncached.History.Select(h => h.TrainLoss), refused.History.Select(h => h.TrainLoss));

        var fits = new RecordingLogger();
        Fit(views: 1, cacheBytes: 200_000, log: fits);
        Assert.Contains(fits.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p1', [16,8,8] per image) of 1 augmented view(s)"));
    }

    /// <summary>The passes that fill the views can be pipelined (<see cref="FineTuneOptions.PipelineFrozenBlocks"/>):
    /// the same views, so the unpipelined run's losses within 1e-5 relative.</summary>
    [Fact]
    public void Pipelined_view_filling_gives_the_unpipelined_results()
    {
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).Augment(Augmentations.Light);
        var sequential = learner.FineTune(Options(views: 2)).Fit();
        var pipelined = learner.FineTune(Options(views: 2) with { PipelineFrozenBlocks = true }).Fit();
        Assert.Equal(sequential.History.Count, pipelined.History.Count);
        for (int i = 0; i < pipelined.History.Count; i++)
        {
            double a = pipelined.History[i].ValidationLoss, b = sequential.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} pipelined, {b:G9} unpipelined");
        }
    }

    [Fact]
    public void A_negative_view_count_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(Options(-1)).Fit());
        Assert.Contains("CachedAugmentedViews must be ≥ 0", error.Message);
    }

    public void Dispose() => _work.Dispose();
}
