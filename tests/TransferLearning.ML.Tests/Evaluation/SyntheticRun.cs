using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Evaluation;

/// <summary>A plausible seeded training history: a head phase, then fine-tuning with a falling learning rate.</summary>
internal static class SyntheticRun
{
    public static IReadOnlyList<EpochMetrics> History(int headEpochs = 4, int fineTuneEpochs = 8, int seed = 3)
    {
        var random = new Random(seed);
        var epochs = new List<EpochMetrics>();
        for (int epoch = 1; epoch <= headEpochs + fineTuneEpochs; epoch++)
        {
            bool head = epoch <= headEpochs;
            double progress = epoch / (double)(headEpochs + fineTuneEpochs);
            double noise = (random.NextDouble() - 0.5) * 0.04;
            double trainLoss = 0.75 * Math.Exp(-2.2 * progress) + 0.05;
            double validationLoss = 0.7 * Math.Exp(-1.6 * progress) + 0.12 + noise;
            epochs.Add(new EpochMetrics(epoch, head ? "head" : "finetune", trainLoss, 1 - trainLoss / 2.2,
                validationLoss, 0.96 - validationLoss / 2.5 + noise, 0.99 - validationLoss / 8,
                head ? 1e-3 : 1e-4 * (1 - progress / 2), 41.5 + random.NextDouble() * 3));
        }
        return epochs;
    }
}
