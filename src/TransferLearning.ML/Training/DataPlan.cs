using TransferLearning.ML.Data;

namespace TransferLearning.ML.Training;

/// <summary>The loaders and class weights one network training run reads.</summary>
internal sealed class DataPlan : IDisposable
{
    public required ImageBatchLoader TrainLoader { get; init; }
    public ImageBatchLoader? ValidationLoader { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public float[]? ClassWeights { get; init; }
    public int ValidationCount { get; init; }
    public int TrainCount { get; init; }
    public int TrainBatches => TrainLoader.Count;

    public void Dispose()
    {
        TrainLoader.Dispose();
        ValidationLoader?.Dispose();
    }
}
