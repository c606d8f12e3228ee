using TransferLearning.ML.Data;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Training.Loop;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training.Engine;

/// <summary>
/// The prefix cache (issue 15, part 2): without augmentation the frozen blocks' output is computed in a phase's
/// first epoch and kept; later epochs train on it in the loader's batch order. The same ONNX Runtime outputs reach
/// the same TorchSharp steps, so a cached run is the uncached split run bit for bit.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class PrefixCacheTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(long cacheBytes) => new()
    {
        HeadEpochs = 3, Epochs = 3, UnfreezeLastBlocks = 1, BatchSize = 8, FineTuneLearningRate = 3e-3,
        FrozenOutputCacheBytes = cacheBytes,
    };

    [Fact]
    public void A_cached_run_is_the_uncached_split_run_bit_for_bit()
    {
        var backbone = LoopFixtures.Backbone(_work);
        var log = new RecordingLogger();
        var cached = LoopFixtures.Learner(backbone).WithLogger(log).FineTune(Options(1L << 30)).Fit();
        var uncached = LoopFixtures.Learner(backbone).FineTune(Options(0)).Fit();

        // 24 training + 12 validation images: [16] floats each in the head phase, [16,8,8] before the last block
        Assert.Contains(log.Messages, m => m.Contains("Phase head: the frozen blocks' output ('y', [16] per image) is kept after the first epoch"));
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p1', [16,8,8] per image) is kept after the first epoch"));
        Assert.Equal(6, cached.History.Count);
        Assert.Equal(uncached.History.Select(h => h.TrainLoss), cached.History.Select(h => h.TrainLoss));
        Assert.Equal(uncached.History.Select(h => h.ValidationLoss), cached.History.Select(h => h.ValidationLoss));
        Assert.Equal(uncached.History.Select(h => h.TrainImages), cached.History.Select(h => h.TrainImages));
        Assert.Equal(LoopFixtures.Initializers(uncached.Model.ToOnnxBytes())["conv2.w"], LoopFixtures.Initializers(cached.Model.ToOnnxBytes())["conv2.w"]);
    }

    /// <summary>Augmented images differ every epoch, and a budget below what the images need keeps nothing: both
    /// phases run uncached, as the log says.</summary>
    [Fact]
    public void Augmentation_or_a_small_budget_turns_the_cache_off()
    {
        var backbone = LoopFixtures.Backbone(_work);
        var augmented = new RecordingLogger();
        LoopFixtures.Learner(backbone).Augment(Augmentations.Light).WithLogger(augmented).FineTune(Options(1L << 30) with { Epochs = 1, HeadEpochs = 1 }).Fit();
        Assert.Contains(augmented.Messages, m => m.Contains("Phase finetune: the frozen blocks' output is not cached: the training images are augmented"));
        Assert.DoesNotContain(augmented.Messages, m => m.Contains("is kept"));

        var small = new RecordingLogger();
        // 36 images × 16·8·8 floats = 147 KB in the fine-tune phase, 2.3 KB in the head phase
        LoopFixtures.Learner(backbone).WithLogger(small).FineTune(Options(100_000) with { Epochs = 1, HeadEpochs = 1, FrozenOutputDiskCacheBytes = 0 }).Fit();
        Assert.Contains(small.Messages, m => m.Contains("Phase finetune: the frozen blocks' output is not cached: ") && m.Contains(" MB for 36 images, above FrozenOutputCacheBytes"));
        Assert.Contains(small.Messages, m => m.Contains("Phase head: the frozen blocks' output ('y', [16] per image) is kept"));
    }

    /// <summary>Above the memory budget the cache goes to a scratch file: the same run, and no file left behind.</summary>
    [Fact]
    public void A_cache_above_the_memory_budget_goes_to_disk_and_gives_the_same_run()
    {
        var backbone = LoopFixtures.Backbone(_work);
        string scratch = Directory.CreateDirectory(Path.Combine(_work.Path, "scratch")).FullName;
        var log = new RecordingLogger();
        var onDisk = LoopFixtures.Learner(backbone).WithLogger(log)
            .FineTune(Options(1) with { FrozenOutputCacheDirectory = scratch }).Fit();
        var inMemory = LoopFixtures.Learner(backbone).FineTune(Options(1L << 30)).Fit();

        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p1', [16,8,8] per image) is kept after the first epoch") &&
                                           m.Contains($"on disk in {scratch}"));
        Assert.Equal(inMemory.History.Select(h => h.TrainLoss), onDisk.History.Select(h => h.TrainLoss));
        Assert.Equal(inMemory.History.Select(h => h.ValidationLoss), onDisk.History.Select(h => h.ValidationLoss));
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch));   // the scratch files went with their phases
    }

    [Fact]
    public void A_disk_folder_that_cannot_be_made_leaves_the_phase_uncached_and_says_why()
    {
        string notAFolder = Path.Combine(_work.Path, "a-file");
        File.WriteAllText(notAFolder, "x");
        var log = new RecordingLogger();
        LoopFixtures.Learner(LoopFixtures.Backbone(_work)).WithLogger(log)
            .FineTune(Options(1) with { Epochs = 1, HeadEpochs = 1, FrozenOutputCacheDirectory = notAFolder }).Fit();
        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output is not cached: ") &&
                                           m.Contains("the disk cannot take it: " + notAFolder));
    }

    public void Dispose() => _work.Dispose();
}
