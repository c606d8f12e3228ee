namespace TransferLearning.ML.Data;

/// <summary>A dataset cut into training, validation and test sets (any of the last two may be empty).</summary>
/// <param name="Train">The training set.</param>
/// <param name="Validation">The validation set (model selection, early stopping).</param>
/// <param name="Test">The test set (touch once, at the end).</param>
public sealed record DatasetSplit(ImageDataset Train, ImageDataset Validation, ImageDataset Test)
{
    /// <summary>Class counts per split.</summary>
    public SplitSummary Summary => new(Train.ClassNames,
        [("train", Train.ClassCounts()), ("validation", Validation.ClassCounts()), ("test", Test.ClassCounts())]);
}
