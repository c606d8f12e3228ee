using TransferLearning.ML.Models;
using TransferLearning.ML.Training.Heads;
using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Training;

/// <summary>
/// Fine-tuning, the default recipe of fastai's <c>fine_tune</c> and the Keras transfer-learning guide: first train
/// the new head with the whole backbone frozen, then unfreeze the last blocks and train them and the head together
/// at lower, per-block (discriminative) learning rates on a one-cycle schedule.
/// </summary>
public sealed record FineTuneOptions : TrainingRecipe
{
    /// <inheritdoc />
    public override TrainingMode Mode => TrainingMode.FineTune;

    /// <summary>Epochs of the second phase (last blocks + head). Default: 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Epochs of the first phase (head only, backbone frozen). 0 skips it. Default: 1.</summary>
    public int HeadEpochs { get; init; } = 1;

    /// <summary>Backbone blocks trained in the second phase, counted from the end. Default: 5.</summary>
    public int UnfreezeLastBlocks { get; init; } = 5;

    /// <summary>Peak learning rate of the head phase. Default: 2e-3.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>Peak learning rate of the head and the last block in the fine-tuning phase. Default: 1e-3.</summary>
    public double FineTuneLearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Ratio between the rate of the last and of the first unfrozen block; the blocks between get geometrically
    /// spaced rates (fastai's <c>slice(lr/100, lr)</c>). 1 gives every block the same rate. Default: 10.
    /// </summary>
    public double DiscriminativeFactor { get; init; } = 10;

    /// <summary>Images per batch. Default: 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimiser. Default: <see cref="OptimizerKind.AdamW"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Weight decay (decoupled for AdamW). Default: 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>The learning-rate schedule of each phase. Default: one-cycle.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;

    /// <summary>Label smoothing of the cross-entropy, in [0, 1). Default: 0.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Class weights in the loss. Default: <see cref="ClassWeighting.InverseFrequency"/>.</summary>
    public override ClassWeighting ClassWeighting { get; init; } = ClassWeighting.InverseFrequency;

    /// <summary>
    /// MixUp (Zhang et al. 2018): the α of the Beta(α, α) distribution of the mixing weight λ; each training batch
    /// trains on λ·x + (1 − λ)·x' and λ·loss(y) + (1 − λ)·loss(y') for x', y' the same batch shuffled. x is the input
    /// of the first trainable block, i.e. the frozen blocks' output (their feature space; the images where nothing is
    /// frozen), so it mixes the same tensor in split execution, with the frozen-output cache (which it leaves on:
    /// the mixing is drawn anew each epoch) and all in TorchSharp. Typical α: 0.2–0.4. Training accuracy is then
    /// counted against the unshuffled labels. 0 turns it off. Default: 0.2 — chosen by 3-fold cross-validation
    /// against no mixing (docs/results.md): accuracy +0.010 [+0.004, +0.016] on PneumoniaMNIST, ROC-AUC +0.016
    /// [+0.007, +0.026] on RetinaMNIST, BreastMNIST −0.015 [−0.036, +0.006] (within the spread).
    /// </summary>
    public double MixUpAlpha { get; init; } = 0.2;

    /// <summary>
    /// CutMix (Yun et al. 2019): the α of the Beta(α, α) distribution of λ; each training batch trains on its input
    /// with a box of the same batch shuffled pasted in, the box covering 1 − λ of each map, and on λ·loss(y) +
    /// (1 − λ)·loss(y') with λ the share left unpasted. Like MixUp it works at the input of the first trainable block
    /// (a box of the frozen blocks' feature map, as PatchUp does; of the images where nothing is frozen), and an input
    /// that is not a 4-D map is mixed by MixUp instead. With MixUp on too, each batch takes one of the two at even
    /// odds. Typical α: 1. 0 turns it off. Default: 0 (measured against the default recipe in docs/results.md).
    /// </summary>
    public double CutMixAlpha { get; init; }

    /// <summary>
    /// Weight averaging: the model of each epoch (validated, kept as the best epoch, exported) is an exponential
    /// moving average of the trained weights over the optimiser steps, with this half-life in epochs (e.g. 1: a step
    /// one epoch back weighs half of the latest), instead of the weights after the last step (timm's model EMA,
    /// a cousin of SWA). Each phase averages its own trainable weights from where the phase starts; the average
    /// warms up over its first steps (decay min(d, (1 + n) / (10 + n))). It costs a copy of the trainable weights
    /// and an update per step. null averages nothing. Default: null.
    /// </summary>
    public double? EmaHalfLifeEpochs { get; init; }

    /// <summary>Clip the gradients' global L2 norm to this value; null does not clip. Default: null.</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>Best-epoch selection and early stopping. Default: keep the epoch with the lowest validation loss, never stop early.</summary>
    public EarlyStoppingOptions EarlyStopping { get; init; } = new();

    /// <summary>The new classifier head. Default: global average pooling, Dropout(0.2), Dense(classes).</summary>
    public override HeadOptions Head { get; init; } = new();

    /// <summary>
    /// Whether BatchNormalization layers in trainable blocks update their statistics. Default: false — the Keras
    /// advice: keep BatchNorm in inference mode while fine-tuning on small data. Layers of frozen blocks, and every
    /// layer during the head-only phase, keep their imported statistics either way.
    /// </summary>
    public bool TrainBatchNormStatistics { get; init; }

    /// <summary>
    /// Split execution: whether the frozen blocks before the first trainable one (the whole backbone in the head
    /// phase, all but the last <see cref="UnfreezeLastBlocks"/> in the fine-tuning phase) run in ONNX Runtime, which
    /// runs a frozen CNN faster than TorchSharp, while the trainable blocks and the head run in TorchSharp with
    /// autograd. The network is cut at the single tensor the trainable part reads, so the results are those of the
    /// all-TorchSharp path up to float rounding. Where the cut would not be exact (a quantised graph, Dropout in the
    /// frozen blocks, no single-tensor boundary) the phase runs all in TorchSharp and the log says why.
    /// Default: true.
    /// </summary>
    public bool FrozenBlocksInOnnxRuntime { get; init; } = true;

    /// <summary>
    /// With split execution (<see cref="FrozenBlocksInOnnxRuntime"/>) and no augmentation, the most memory the
    /// frozen blocks' output may take to be kept: the first epoch of a phase computes it for every training and
    /// validation image, and the later epochs train the trainable blocks and the head on it, reading and running no
    /// frozen block again (the results are those of an uncached run). It costs the boundary tensor per image (for
    /// MobileNetV2 at 224×224 with 5 blocks trainable, 96×14×14 floats = 74 KB: 310 MB for 4,200 images; in the
    /// head phase 1280 floats = 5 KB). A phase whose images need more, or a run that augments (every epoch sees
    /// other pixels) unless <see cref="CachedAugmentedViews"/> is above 0, is not cached, and the log says so. 0 turns
    /// the cache off. Default: 1 GiB.
    /// </summary>
    public long FrozenOutputCacheBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Where the frozen-output cache needs more than <see cref="FrozenOutputCacheBytes"/>, the most disk it may take
    /// instead: a scratch file in <see cref="FrozenOutputCacheDirectory"/>, written by the epochs that compute the
    /// output and read back batch by batch by the later ones (the OS page cache keeps what fits; the file is deleted
    /// when the phase ends, and on Linux and macOS a killed process leaves none behind). A folder with less free space
    /// than the cache plus 256 MB is not used, and the log says so. It trades disk writes for the frozen blocks'
    /// forward pass and image decoding of the later epochs, as the memory cache does. 0 never uses the disk.
    /// Default: 8 GiB.
    /// </summary>
    public long FrozenOutputDiskCacheBytes { get; init; } = 8L << 30;

    /// <summary>The folder of the frozen-output cache's scratch file (<see cref="FrozenOutputDiskCacheBytes"/>);
    /// null: the system's temporary folder (<see cref="Path.GetTempPath"/>). Default: null.</summary>
    public string? FrozenOutputCacheDirectory { get; init; }

    /// <summary>
    /// With split execution and augmentation, how many augmented views of each training image the frozen-output
    /// cache (<see cref="FrozenOutputCacheBytes"/>) keeps: the first K epochs of a phase read and augment the images
    /// as usual and keep the frozen blocks' output of each (view k = epoch k of the phase); epoch e after them trains
    /// on view e mod K, reading no image and running no frozen block. It trades augmentation diversity for speed:
    /// the trainable blocks see K augmented versions of each image instead of one per epoch (the cached epochs cost
    /// what an unaugmented cached epoch costs). Memory: K × the training images' boundary tensors plus the
    /// validation images' (unaugmented, one view), within <see cref="FrozenOutputCacheBytes"/>; a phase that needs
    /// more is not cached and the log says so. 0 caches nothing when augmenting (every epoch augments anew).
    /// A run resumed from a checkpoint in the middle of a phase computes its views again from the epoch it resumes
    /// at. Default: 0.
    /// </summary>
    public int CachedAugmentedViews { get; init; }

    /// <summary>
    /// With split execution (<see cref="FrozenBlocksInOnnxRuntime"/>), whether the frozen blocks of the next batch
    /// (and the loader) run on their own thread while the trainable part of the current batch trains, one batch
    /// ahead at most, in the training pass and in validation; the run's threads are divided between the two
    /// (with 2 threads: 1 for libtorch, 1 for ONNX Runtime). Each batch is computed as without it: the results are the unpipelined ones up
    /// to the float rounding that another thread count gives. Epochs that read a filled
    /// <see cref="FrozenOutputCacheBytes"/> cache run no frozen block and are not pipelined. Default: false — on the
    /// 2-core development machine it ran at 0.91–0.93× the unpipelined split, whose two engines each use every
    /// thread in turn (docs/performance.md).
    /// </summary>
    public bool PipelineFrozenBlocks { get; init; }

    /// <summary>Threads of the split epochs that run the frozen prefix: libtorch's for the trainable part (set for the
    /// pass, then restored) and ONNX Runtime's for the prefix; null: <see cref="SplitThreadsFor"/>'s default.</summary>
    internal (int Torch, int Onnx)? SplitThreads { get; init; }

    /// <summary>
    /// The (libtorch, ONNX Runtime) threads of a split epoch that runs the prefix, for a run of
    /// <paramref name="runThreads"/> threads: <see cref="SplitThreads"/> when set; pipelined, the run's threads
    /// divided between the two engines, which run at the same time (2 → 1 and 1); unpipelined, all of them for each
    /// engine in turn.
    /// </summary>
    internal (int Torch, int Onnx) SplitThreadsFor(int runThreads)
    {
        if (SplitThreads is { } split) return split;
        int threads = Math.Max(1, runThreads);
        return PipelineFrozenBlocks ? (Math.Max(1, threads - threads / 2), Math.Max(1, threads / 2)) : (threads, threads);
    }

    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    internal override void Validate()
    {
        if (Epochs < 0 || HeadEpochs < 0 || Epochs + HeadEpochs == 0)
            throw new ArgumentException($"FineTune needs at least one epoch (Epochs = {Epochs}, HeadEpochs = {HeadEpochs}); e.g. epochs: 10.");
        if (UnfreezeLastBlocks < 0) throw new ArgumentException($"UnfreezeLastBlocks must be ≥ 0 (was {UnfreezeLastBlocks}).");
        Positive(LearningRate, nameof(LearningRate));
        Positive(FineTuneLearningRate, nameof(FineTuneLearningRate));
        if (DiscriminativeFactor < 1 || double.IsNaN(DiscriminativeFactor))
            throw new ArgumentException($"DiscriminativeFactor must be ≥ 1 (was {DiscriminativeFactor}); 1 gives every block the same rate.");
        if (FrozenOutputCacheBytes < 0) throw new ArgumentException($"FrozenOutputCacheBytes must be ≥ 0 (was {FrozenOutputCacheBytes}); 0 turns the cache off.");
        if (FrozenOutputDiskCacheBytes < 0)
            throw new ArgumentException($"FrozenOutputDiskCacheBytes must be ≥ 0 (was {FrozenOutputDiskCacheBytes}); 0 keeps the frozen-output cache off the disk.");
        if (FrozenOutputCacheDirectory is { Length: 0 })
            throw new ArgumentException("FrozenOutputCacheDirectory is empty: give a folder, or null for the system's temporary folder.");
        if (CachedAugmentedViews < 0) throw new ArgumentException($"CachedAugmentedViews must be ≥ 0 (was {CachedAugmentedViews}); 0 caches nothing when augmenting.");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be ≥ 1 (was {BatchSize}).");
        if (WeightDecay < 0 || double.IsNaN(WeightDecay)) throw new ArgumentException($"WeightDecay must be ≥ 0 (was {WeightDecay}).");
        if (LabelSmoothing is < 0 or >= 1 || double.IsNaN(LabelSmoothing)) throw new ArgumentException($"LabelSmoothing must be in [0, 1) (was {LabelSmoothing}).");
        if (MixUpAlpha < 0 || double.IsNaN(MixUpAlpha) || double.IsInfinity(MixUpAlpha))
            throw new ArgumentException($"MixUpAlpha must be ≥ 0 (was {MixUpAlpha}); 0 turns MixUp off, 0.2–0.4 is typical.");
        if (CutMixAlpha < 0 || double.IsNaN(CutMixAlpha) || double.IsInfinity(CutMixAlpha))
            throw new ArgumentException($"CutMixAlpha must be ≥ 0 (was {CutMixAlpha}); 0 turns CutMix off, 1 is typical.");
        if (EmaHalfLifeEpochs is double ema && !(ema > 0 && !double.IsInfinity(ema)))
            throw new ArgumentException($"EmaHalfLifeEpochs must be a positive number of epochs or null (was {ema}), e.g. 1.");
        if (GradientClipNorm is <= 0) throw new ArgumentException($"GradientClipNorm must be positive or null (was {GradientClipNorm}).");
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        ArgumentNullException.ThrowIfNull(EarlyStopping, nameof(EarlyStopping));
        EarlyStopping.Validate();
        ArgumentNullException.ThrowIfNull(Head, nameof(Head));
        Head.Validate();
    }

    internal override RunOutcome Run(RunContext context, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        FineTuneRun.Execute(context, this, fromScratch: false, progress, cancellationToken);

    private static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentException($"{name} must be a positive number (was {value}), e.g. 1e-3.");
    }
}
