namespace TransferLearning.ML.Data;

/// <summary>Re-balancing a dataset by dropping or repeating samples.</summary>
public static class Sampling
{
    /// <summary>
    /// At most <paramref name="perClass"/> samples of each class, chosen at random with <paramref name="seed"/>
    /// (e.g. 150 per class for a balanced quick study). Classes with fewer samples keep all of theirs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perClass"/> is below 1.</exception>
    public static ImageDataset Undersample(ImageDataset dataset, int perClass, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        return dataset.TakePerClass(perClass, seed);
    }

    /// <summary>
    /// Every class repeated up to the size of the largest: each minority sample appears ⌊max/count⌋ times and a
    /// seeded random choice of the others once more. Use on the training split only, after splitting, or copies
    /// leak into validation.
    /// </summary>
    public static ImageDataset Oversample(ImageDataset dataset, int seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        List<int>[] byClass = dataset.IndicesByClass();
        int largest = byClass.Max(c => c.Count);
        var random = new Random(seed);
        var indices = new List<int>(largest * byClass.Length);
        foreach (List<int> members in byClass)
        {
            if (members.Count == 0) continue;
            for (int r = 0; r < largest / members.Count; r++) indices.AddRange(members);
            int[] extra = members.ToArray();
            random.Shuffle(extra);
            indices.AddRange(extra.Take(largest % members.Count));
        }
        return dataset.Subset(indices);
    }
}
