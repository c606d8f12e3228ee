using TransferLearning.ML.Models;

namespace TransferLearning.ML.Training;

/// <summary>What <see cref="TransferLearner.Auto"/> tried and what it chose.</summary>
/// <param name="Trials">Every candidate's short run, in the order tried.</param>
/// <param name="Chosen">The candidate trained in full (the model's recipe).</param>
/// <param name="Reason">Why, in a sentence (for logs and reports).</param>
public sealed record AutoSelection(IReadOnlyList<AutoTrial> Trials, TrainingRecipe Chosen, string Reason);

/// <summary>One candidate's short run.</summary>
/// <param name="Candidate">The recipe as given.</param>
/// <param name="Description">The recipe in a few words, e.g. <c>fine-tune last 2 blocks (trial: 1 + 2 epochs)</c>.</param>
/// <param name="Mode">The recipe's kind.</param>
/// <param name="ValidationLogLoss">Log-loss of the trial's model on the validation split (null when undefined).</param>
/// <param name="ValidationAccuracy">Accuracy of the trial's model on the validation split.</param>
/// <param name="ValidationBalancedAccuracy">Balanced accuracy of the trial's model on the validation split.</param>
/// <param name="Elapsed">Wall time of the trial.</param>
/// <param name="Failure">Why the candidate could not be trained on this backbone and data (e.g. more blocks to unfreeze
/// than the backbone has), or null when it ran; a failed candidate is never chosen.</param>
public sealed record AutoTrial(TrainingRecipe Candidate, string Description, TrainingMode Mode, double? ValidationLogLoss,
    double? ValidationAccuracy, double? ValidationBalancedAccuracy, TimeSpan Elapsed, string? Failure = null);
