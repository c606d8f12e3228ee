namespace TransferLearning.ML.Training;

/// <summary>Reported through <see cref="IProgress{T}"/> after every batch and at the end of every epoch.</summary>
/// <param name="Phase">The training phase (<c>features</c>, <c>head</c>, <c>finetune</c>, <c>scratch</c>, <c>extract</c>).</param>
/// <param name="Epoch">Epoch number from 1 (0 while features are being extracted).</param>
/// <param name="TotalEpochs">Epochs in all phases.</param>
/// <param name="Batch">Batch number within the epoch, from 1.</param>
/// <param name="TotalBatches">Batches in the epoch.</param>
/// <param name="Loss">Running mean training loss of the epoch.</param>
/// <param name="ImagesPerSecond">Throughput of the epoch so far.</param>
/// <param name="EstimatedRemaining">Estimated time to the end of training.</param>
/// <param name="EpochResult">The finished epoch's metrics when this report closes an epoch; otherwise null.</param>
public sealed record TrainingProgress(
    string Phase,
    int Epoch,
    int TotalEpochs,
    int Batch,
    int TotalBatches,
    double Loss,
    double ImagesPerSecond,
    TimeSpan EstimatedRemaining,
    EpochMetrics? EpochResult);
