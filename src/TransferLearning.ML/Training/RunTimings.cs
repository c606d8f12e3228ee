namespace TransferLearning.ML.Training;

/// <summary>Wall times of one <see cref="TransferLearner.Fit"/>.</summary>
/// <param name="FeatureExtraction">Computing (or reading from the cache) the frozen backbone's features; zero when the recipe extracts none.</param>
/// <param name="Training">Training after the features: every epoch of every phase.</param>
/// <param name="Evaluation">Scoring the validation and test splits with the exported model.</param>
/// <param name="Total">The whole call, from validation of the options to the returned result.</param>
public sealed record RunTimings(TimeSpan FeatureExtraction, TimeSpan Training, TimeSpan Evaluation, TimeSpan Total);
