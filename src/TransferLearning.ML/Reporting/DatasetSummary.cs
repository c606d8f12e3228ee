namespace TransferLearning.ML.Reporting;

/// <summary>How many images of each class each split holds, for the report's dataset table.</summary>
/// <param name="ClassNames">Class names, in index order.</param>
/// <param name="CountsPerSplit">Split name (e.g. <c>train</c>, <c>validation</c>, <c>test</c>) → image count per class, in class order.</param>
public sealed record DatasetSummary(IReadOnlyList<string> ClassNames, IReadOnlyDictionary<string, IReadOnlyList<int>> CountsPerSplit)
{
    internal void Validate()
    {
        foreach (var (split, counts) in CountsPerSplit)
            if (counts.Count != ClassNames.Count)
                throw new ArgumentException($"Dataset split '{split}' has {counts.Count} class counts but there are {ClassNames.Count} classes; give one count per class.", nameof(CountsPerSplit));
    }
}
