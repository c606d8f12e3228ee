using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Training;

/// <summary>
/// One fold of a cross-validation: the model trained on the other folds (its best epoch and decision threshold chosen
/// on a validation split cut from them) and scored on this fold's images, which neither training nor model selection
/// saw.
/// </summary>
/// <param name="Index">The fold's number, from 1.</param>
/// <param name="TrainCount">Images the fold's model was trained on.</param>
/// <param name="ValidationCount">Images it chose its best epoch and threshold on (cut from the other folds).</param>
/// <param name="HeldOut">This fold's images, scored by the model (as a dataset: which images, of which groups).</param>
/// <param name="Metrics">The metrics on the held-out images, at the fold's threshold.</param>
/// <param name="Threshold">The fold's decision threshold (two classes), null for argmax.</param>
/// <param name="Recipe">The recipe the fold trained (with <see cref="TransferLearner.Auto"/>, the one its trials chose).</param>
/// <param name="Elapsed">Wall time of the fold.</param>
public sealed record CrossValidationFold(int Index, int TrainCount, int ValidationCount, ImageDataset HeldOut, ClassificationMetrics Metrics,
    double? Threshold, TrainingRecipe Recipe, TimeSpan Elapsed);
