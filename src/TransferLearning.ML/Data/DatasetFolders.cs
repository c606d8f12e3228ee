namespace TransferLearning.ML.Data;

/// <summary>
/// The datasets of a <c>root/&lt;split&gt;/&lt;class&gt;/&lt;image&gt;</c> tree, by split folder name; all share one
/// class list.
/// </summary>
public sealed class DatasetFolders
{
    internal DatasetFolders(IReadOnlyDictionary<string, ImageDataset> splits, IReadOnlyList<string> classNames)
    {
        Splits = splits;
        ClassNames = classNames;
    }

    /// <summary>Every split found, keyed by folder name (case-insensitive).</summary>
    public IReadOnlyDictionary<string, ImageDataset> Splits { get; }

    /// <summary>The class names shared by all splits.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The <c>train</c> (or <c>training</c>) split, or <c>null</c>.</summary>
    public ImageDataset? Train => Find("train", "training");

    /// <summary>The <c>val</c> (or <c>validation</c>, <c>valid</c>, <c>dev</c>) split, or <c>null</c>.</summary>
    public ImageDataset? Validation => Find("val", "validation", "valid", "dev");

    /// <summary>The <c>test</c> (or <c>testing</c>) split, or <c>null</c>.</summary>
    public ImageDataset? Test => Find("test", "testing");

    /// <summary>The split in the folder of that name (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">There is no such split folder.</exception>
    public ImageDataset this[string split] => Splits[split];

    private ImageDataset? Find(params string[] names)
    {
        foreach (string name in names)
            if (Splits.TryGetValue(name, out ImageDataset? dataset)) return dataset;
        return null;
    }
}
