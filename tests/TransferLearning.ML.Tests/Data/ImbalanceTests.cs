using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class ImbalanceTests
{
    [Fact]
    public void Inverse_frequency_weights_are_n_over_k_times_count()
    {
        // n = 5216, k = 2: 5216 / (2·1341) = 1.94482, 5216 / (2·3875) = 0.67303
        float[] weights = ClassWeights.InverseFrequency(SyntheticDatasets.Imbalanced([1341, 3875]));
        Assert.Equal(1.94482f, weights[0], 4);
        Assert.Equal(0.67303f, weights[1], 4);
    }

    [Fact]
    public void Effective_number_weights_follow_cui_et_al_and_sum_to_k()
    {
        // beta 0.9, counts 1 and 10: raw (0.1/0.1) = 1 and 0.1/(1 − 0.9^10) = 0.1/0.651322 = 0.153534; scaled to sum 2
        float[] weights = ClassWeights.EffectiveNumber(SyntheticDatasets.Imbalanced([1, 10]), beta: 0.9);
        Assert.Equal(2 * 1 / 1.153534f, weights[0], 4);
        Assert.Equal(2 * 0.153534f / 1.153534f, weights[1], 4);
        Assert.Equal(2f, weights.Sum(), 4);
    }

    [Fact]
    public void Effective_number_rejects_beta_of_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassWeights.EffectiveNumber(SyntheticDatasets.Imbalanced([1, 2]), 1));
    }

    [Fact]
    public void Undersample_caps_every_class()
    {
        ImageDataset dataset = Sampling.Undersample(SyntheticDatasets.Imbalanced([400, 150, 90]), 150, seed: 1);
        Assert.Equal([150, 150, 90], dataset.ClassCounts());
    }

    [Fact]
    public void Oversample_raises_every_class_to_the_largest_repeating_each_sample_evenly()
    {
        ImageDataset dataset = Sampling.Oversample(SyntheticDatasets.Imbalanced([10, 4, 3]), seed: 1);
        Assert.Equal([10, 10, 10], dataset.ClassCounts());
        var copies = dataset.Samples.Where(s => s.Label == 1).GroupBy(s => s.Source.DisplayName).Select(g => g.Count()).ToArray();
        Assert.Equal(4, copies.Length);
        Assert.All(copies, c => Assert.InRange(c, 2, 3));
    }
}
