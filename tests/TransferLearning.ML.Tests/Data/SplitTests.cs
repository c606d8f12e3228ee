using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class SplitTests
{
    private static readonly int[] Counts = [1341, 387, 52, 7];

    [Fact]
    public void Stratified_split_gives_each_class_its_share_within_one_image()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced(Counts);
        DatasetSplit split = dataset.Split(validation: 0.15, test: 0.2, seed: 42);
        for (int c = 0; c < Counts.Length; c++)
        {
            Assert.InRange(split.Validation.ClassCounts()[c], 0.15 * Counts[c] - 1, 0.15 * Counts[c] + 1);
            Assert.InRange(split.Test.ClassCounts()[c], 0.2 * Counts[c] - 1, 0.2 * Counts[c] + 1);
            Assert.Equal(Counts[c], split.Train.ClassCounts()[c] + split.Validation.ClassCounts()[c] + split.Test.ClassCounts()[c]);
        }
    }

    [Fact]
    public void Split_parts_are_disjoint_and_cover_the_dataset()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced(Counts);
        DatasetSplit split = dataset.Split(0.1, 0.1, seed: 1);
        string[] names = [.. split.Train.Samples.Select(Name), .. split.Validation.Samples.Select(Name), .. split.Test.Samples.Select(Name)];
        Assert.Equal(dataset.Count, names.Length);
        Assert.Equal(dataset.Count, names.Distinct().Count());
    }

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_another()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced(Counts);
        Assert.Equal(dataset.Split(0.2, 0, 7).Validation.Samples.Select(Name), dataset.Split(0.2, 0, 7).Validation.Samples.Select(Name));
        Assert.NotEqual(dataset.Split(0.2, 0, 7).Validation.Samples.Select(Name), dataset.Split(0.2, 0, 8).Validation.Samples.Select(Name));
    }

    [Fact]
    public void Fractions_that_leave_nothing_to_train_are_rejected()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced([10, 10]);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Split(0.5, 0.5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Split(-0.1, 0, 0));
    }

    [Fact]
    public void Group_split_never_puts_one_group_in_two_parts()
    {
        // 300 patients with 1–6 images each, class depends on the patient
        ImageDataset dataset = GroupedDataset(out _);
        DatasetSplit split = dataset.Split(0.2, 0.2, seed: 3);
        var train = split.Train.Samples.Select(s => s.Group).ToHashSet();
        var validation = split.Validation.Samples.Select(s => s.Group).ToHashSet();
        var test = split.Test.Samples.Select(s => s.Group).ToHashSet();
        Assert.Empty(train.Intersect(validation));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(validation.Intersect(test));
        Assert.Equal(dataset.Count, split.Train.Count + split.Validation.Count + split.Test.Count);
    }

    [Fact]
    public void Few_large_groups_still_give_a_small_part_one_group()
    {
        // 6 patients of 3 images: a 15 % validation share is 2.7 images, less than one group; the closest-to-target
        // assignment alone would leave the validation split empty
        var images = SyntheticDatasets.Imbalanced([9, 9]);
        var grouped = new ImageDataset(images.ClassNames, images.Samples.Select((s, i) => s with { Group = $"p{i / 3}" }));
        DatasetSplit split = grouped.Split(0.15, 0, seed: 42);
        Assert.Equal(3, split.Validation.Count);
        Assert.Equal(15, split.Train.Count);
        Assert.Empty(split.Train.Samples.Select(s => s.Group).Intersect(split.Validation.Samples.Select(s => s.Group)));
        Assert.Equal(0, split.Test.Count);
    }

    [Fact]
    public void Group_split_stratifies_approximately()
    {
        ImageDataset dataset = GroupedDataset(out int[] counts);
        DatasetSplit split = dataset.Split(0.2, 0.2, seed: 3);
        for (int c = 0; c < counts.Length; c++)
            Assert.InRange(split.Validation.ClassCounts()[c], 0.2 * counts[c] - 6, 0.2 * counts[c] + 6);
    }

    [Fact]
    public void Groups_can_be_ignored_on_request()
    {
        ImageDataset dataset = GroupedDataset(out _);
        DatasetSplit split = dataset.Split(0.2, 0.2, seed: 3, respectGroups: false);
        var train = split.Train.Samples.Select(s => s.Group).ToHashSet();
        Assert.NotEmpty(train.Intersect(split.Validation.Samples.Select(s => s.Group)));
    }

    [Fact]
    public void Stratified_k_fold_uses_every_sample_for_validation_exactly_once()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced(Counts);
        var folds = dataset.StratifiedKFold(5, seed: 2);
        Assert.Equal(5, folds.Count);
        string[] validated = folds.SelectMany(f => f.Validation.Samples.Select(Name)).ToArray();
        Assert.Equal(dataset.Count, validated.Length);
        Assert.Equal(dataset.Count, validated.Distinct().Count());
        foreach ((ImageDataset train, ImageDataset validation) in folds)
        {
            Assert.Equal(dataset.Count, train.Count + validation.Count);
            for (int c = 0; c < Counts.Length; c++)
                Assert.InRange(validation.ClassCounts()[c], Counts[c] / 5 - 1, Counts[c] / 5 + 1);
        }
    }

    [Fact]
    public void Group_k_fold_keeps_each_group_in_one_fold()
    {
        ImageDataset dataset = GroupedDataset(out _);
        var folds = dataset.StratifiedKFold(4, seed: 5);
        foreach ((ImageDataset train, ImageDataset validation) in folds)
            Assert.Empty(train.Samples.Select(s => s.Group).ToHashSet().Intersect(validation.Samples.Select(s => s.Group)));
    }

    [Fact]
    public void Summary_lists_class_counts_per_split_as_data_and_table()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced([100, 20]);
        SplitSummary summary = dataset.Split(0.1, 0.2, seed: 0).Summary;
        Assert.Equal([10, 2], summary.CountsOf("validation"));
        Assert.Equal([20, 4], summary.CountsOf("test"));
        Assert.Equal([70, 14], summary.CountsOf("train"));
        string table = summary.ToString();
        Assert.Contains("class0", table);
        Assert.Matches(@"train\s+70\s+14\s+84", table);
    }

    private static ImageDataset GroupedDataset(out int[] counts)
    {
        var random = new Random(11);
        var perPatient = Enumerable.Range(0, 300).Select(_ => random.Next(1, 7)).ToArray();
        var classOf = Enumerable.Range(0, 300).Select(p => p % 10 < 6 ? 0 : p % 10 < 9 ? 1 : 2).ToArray();
        var samples = new List<ImageSample>();
        for (int p = 0; p < 300; p++)
            for (int i = 0; i < perPatient[p]; i++)
                samples.Add(new ImageSample(ImageSource.FromBytes(new byte[] { 1 }, $"p{p}-{i}"), classOf[p], $"patient{p}"));
        counts = new int[3];
        foreach (ImageSample s in samples) counts[s.Label]++;
        return new ImageDataset(["a", "b", "c"], samples);
    }

    private static string Name(ImageSample sample) => sample.Source.DisplayName;
}
