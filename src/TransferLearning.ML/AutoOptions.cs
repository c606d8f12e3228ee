using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML;

/// <summary>
/// How <see cref="TransferLearner.Auto"/> chooses a recipe: each candidate is trained briefly on the training
/// split and scored on the validation split (never on test); the one with the lowest validation log-loss is
/// trained in full. The default candidates follow the usual advice (small data similar to ImageNet: frozen
/// features; larger or more different data: deeper fine-tuning; from scratch only with many images) and let the
/// validation data decide between them.
/// </summary>
public sealed record AutoOptions
{
    /// <summary>
    /// The recipes tried, in order (a tie goes to the earlier one). Default <c>null</c>: <see cref="DefaultCandidates"/>
    /// for the training split's size.
    /// </summary>
    public IReadOnlyList<TrainingRecipe>? Candidates { get; init; }

    /// <summary>
    /// Epochs of the fine-tuning phase (and of from-scratch training) in a trial; feature extraction is tried with
    /// its full options, which cost seconds once the features are cached. Default: 2.
    /// </summary>
    public int TrialEpochs { get; init; } = 2;

    /// <summary>Training images from which the default candidates include training from scratch. Default: 5000.</summary>
    public int ScratchMinimumImages { get; init; } = 5000;

    /// <summary>
    /// How each candidate's trial is scored: 1 = trained on the training split, scored on the validation split;
    /// k ≥ 2 = k-fold cross-validation over the training and validation images pooled (by patient where they carry
    /// groups), scored by the mean of the folds' log-loss — k times the trials' cost, and a choice that depends less on
    /// which images one small validation split happens to hold. null (the default): 3 folds when the training and
    /// validation splits hold fewer than <see cref="SmallDataImages"/> images together, else 1.
    /// </summary>
    public int? TrialFolds { get; init; }

    /// <summary>Below this many training + validation images, <see cref="TrialFolds"/> = null cross-validates the trials. Default: 1000.</summary>
    public int SmallDataImages { get; init; } = 1000;

    /// <summary>The folds each trial is scored on for a run with this many training + validation images (1: the validation split).</summary>
    public int FoldsFor(int trainingAndValidationImages) => TrialFolds ?? (trainingAndValidationImages < SmallDataImages ? 3 : 1);

    /// <summary>
    /// The default candidates: feature extraction, fine-tuning of the last 2 blocks, fine-tuning of the last 5
    /// blocks (each with its recipe's defaults otherwise), and training from scratch when the training split has at
    /// least <see cref="ScratchMinimumImages"/> images.
    /// </summary>
    public IReadOnlyList<TrainingRecipe> DefaultCandidates(int trainingImages)
    {
        var fineTune = new FineTuneOptions();
        List<TrainingRecipe> candidates =
        [
            new FeatureExtractionOptions(),
            fineTune with { UnfreezeLastBlocks = 2 },
            fineTune with { UnfreezeLastBlocks = 5 },
        ];
        if (trainingImages >= ScratchMinimumImages) candidates.Add(new ScratchOptions());
        return candidates;
    }

    /// <summary>The short version of <paramref name="candidate"/> that a trial trains.</summary>
    internal TrainingRecipe Trial(TrainingRecipe candidate) => candidate switch
    {
        FineTuneOptions f => f with { Epochs = Math.Min(f.Epochs, TrialEpochs), HeadEpochs = Math.Min(f.HeadEpochs, 1) },
        ScratchOptions s => s with { Epochs = Math.Min(s.Epochs, TrialEpochs) },
        _ => candidate,
    };

    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    internal void Validate()
    {
        if (TrialEpochs < 1) throw new ArgumentException($"AutoOptions.TrialEpochs must be at least 1 (was {TrialEpochs}).");
        if (TrialFolds is < 1) throw new ArgumentException($"AutoOptions.TrialFolds must be 1 (the validation split), at least 2 (cross-validation) or null (was {TrialFolds}).");
        if (SmallDataImages < 0) throw new ArgumentException($"AutoOptions.SmallDataImages cannot be negative (was {SmallDataImages}).");
        if (ScratchMinimumImages < 0) throw new ArgumentException($"AutoOptions.ScratchMinimumImages cannot be negative (was {ScratchMinimumImages}).");
        if (Candidates is { Count: 0 }) throw new ArgumentException("AutoOptions.Candidates is empty: give at least one recipe, or null for the defaults.");
        foreach (var candidate in Candidates ?? [])
        {
            ArgumentNullException.ThrowIfNull(candidate, nameof(Candidates));
            candidate.Validate();
        }
    }
}
