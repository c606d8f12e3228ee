using TransferLearning.ML.Models;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training;

/// <summary>
/// How a backbone becomes a classifier: what runs frozen, what trains, for how long and how. A recipe carries its
/// own options (with their defaults), checks them, and runs. Its kinds are
/// <see cref="FeatureExtraction.FeatureExtractionOptions"/> (frozen backbone, a head on cached features),
/// <see cref="FineTuneOptions"/> (head first, then the last blocks) and <see cref="ScratchOptions"/> (every layer
/// from random weights); <see cref="TransferLearner.ExtractFeatures"/>, <see cref="TransferLearner.FineTune(FineTuneOptions)"/>
/// and <see cref="TransferLearner.TrainFromScratch(ScratchOptions)"/> choose one.
/// </summary>
public abstract record TrainingRecipe
{
    private protected TrainingRecipe() { }

    /// <summary>Which of the three kinds this is.</summary>
    public abstract TrainingMode Mode { get; }

    /// <summary>The new classifier head (the recipe's own default unless <see cref="TransferLearner.WithHead"/> replaces it).</summary>
    public abstract HeadOptions Head { get; init; }

    /// <summary>Class weights in the loss.</summary>
    public abstract ClassWeighting ClassWeighting { get; init; }

    /// <summary>Checks every option; called when the recipe is given to the learner.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and says what to change.</exception>
    internal abstract void Validate();

    /// <summary>Trains on the run's splits and returns the classifier graph and its history.</summary>
    internal abstract RunOutcome Run(RunContext context, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Whether the backbone trains in TorchSharp (so its allocator and thread advice matter).</summary>
    internal virtual bool TrainsBackbone => true;
}
