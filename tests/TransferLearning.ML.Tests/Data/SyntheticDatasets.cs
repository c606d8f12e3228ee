using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary>Datasets of named (never decoded) images for split and sampling tests.</summary>
public static class SyntheticDatasets
{
    /// <summary><c>counts[c]</c> samples of class c, named "c{c}-{i}".</summary>
    public static ImageDataset Imbalanced(int[] counts, Func<int, int, string?>? group = null)
    {
        var samples = new List<ImageSample>();
        for (int c = 0; c < counts.Length; c++)
            for (int i = 0; i < counts[c]; i++)
                samples.Add(new ImageSample(ImageSource.FromBytes(new byte[] { 1 }, $"c{c}-{i}"), c, group?.Invoke(c, i)));
        return new ImageDataset(Enumerable.Range(0, counts.Length).Select(c => $"class{c}").ToArray(), samples);
    }
}
