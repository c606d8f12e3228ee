namespace TransferLearning.ML.Tests.Training;

/// <summary>
/// Training tests run alone: they compare runs for bit-level determinism and set libtorch's process-wide thread
/// count, so nothing else may compete for the cores or change that setting while they run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "Training (serial)";
}
