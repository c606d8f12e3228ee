using TransferLearning.ML.Models;
using TransferLearning.ML.Training.Heads;
using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Training;

/// <summary>
/// Training the backbone's architecture from random initialisation, every layer trainable: the "end-to-end"
/// baseline that tells how much the ImageNet weights help.
/// </summary>
public sealed record ScratchOptions : TrainingRecipe
{
    /// <inheritdoc />
    public override TrainingMode Mode => TrainingMode.FromScratch;

    /// <summary>Epochs. Default: 20.</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Peak learning rate. Default: 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Images per batch. Default: 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimiser. Default: AdamW.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    /// <summary>Weight decay. Default: 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Schedule. Default: one-cycle.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;

    /// <summary>Label smoothing. Default: 0.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Class weights in the loss. Default: inverse frequency.</summary>
    public override ClassWeighting ClassWeighting { get; init; } = ClassWeighting.InverseFrequency;

    /// <summary>MixUp's α (see <see cref="FineTuneOptions.MixUpAlpha"/>; from scratch it mixes the images); 0: off. Default: 0.</summary>
    public double MixUpAlpha { get; init; }

    /// <summary>CutMix's α (see <see cref="FineTuneOptions.CutMixAlpha"/>; from scratch it cuts the images); 0: off. Default: 0.</summary>
    public double CutMixAlpha { get; init; }

    /// <summary>Weight averaging over the steps, half-life in epochs (see <see cref="FineTuneOptions.EmaHalfLifeEpochs"/>); null: none. Default: null.</summary>
    public double? EmaHalfLifeEpochs { get; init; }

    /// <summary>Gradient clipping norm; null does not clip. Default: null.</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>Best-epoch selection and early stopping. Default: lowest validation loss, never stop early.</summary>
    public EarlyStoppingOptions EarlyStopping { get; init; } = new();

    /// <summary>The classifier head. Default: global average pooling, Dropout(0.2), Dense(classes).</summary>
    public override HeadOptions Head { get; init; } = new();

    /// <summary>Whether BatchNormalization layers learn their statistics. Default: true (nothing pretrained to keep).</summary>
    public bool TrainBatchNormStatistics { get; init; } = true;

    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    internal override void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"TrainFromScratch needs at least one epoch (Epochs = {Epochs}); e.g. epochs: 20.");
        AsFineTune().Validate();
    }

    internal override RunOutcome Run(RunContext context, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        FineTuneRun.Execute(context, AsFineTune(), fromScratch: true, progress, cancellationToken);

    // the same loop as fine-tuning, with every block trainable, no head phase and one rate
    internal FineTuneOptions AsFineTune() => new()
    {
        Epochs = Epochs, HeadEpochs = 0, UnfreezeLastBlocks = int.MaxValue, FineTuneLearningRate = LearningRate,
        LearningRate = LearningRate, DiscriminativeFactor = 1, BatchSize = BatchSize, Optimizer = Optimizer,
        WeightDecay = WeightDecay, Schedule = Schedule, LabelSmoothing = LabelSmoothing, ClassWeighting = ClassWeighting,
        GradientClipNorm = GradientClipNorm, EmaHalfLifeEpochs = EmaHalfLifeEpochs, MixUpAlpha = MixUpAlpha, CutMixAlpha = CutMixAlpha, EarlyStopping = EarlyStopping, Head = Head,
        TrainBatchNormStatistics = TrainBatchNormStatistics,
    };
}
