namespace TransferLearning.ML.Training;

/// <summary>What one training epoch measured: one row of <c>history.csv</c>, as Keras' CSVLogger writes it.</summary>
/// <param name="Epoch">The epoch number, from 1.</param>
/// <param name="Phase">The training phase the epoch belonged to (e.g. <c>head</c>, <c>finetune</c>, <c>features</c>, <c>scratch</c>).</param>
/// <param name="TrainLoss">Mean training loss over the epoch.</param>
/// <param name="TrainAccuracy">Training accuracy over the epoch (on augmented images).</param>
/// <param name="ValidationLoss">Validation loss after the epoch, or <see cref="double.NaN"/> without a validation split.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch, or <see cref="double.NaN"/>.</param>
/// <param name="ValidationRocAuc">Validation ROC-AUC (one-vs-rest macro for more than two classes), or <see cref="double.NaN"/>.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch (of the head's parameter group).</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="TrainSeconds">Wall time of the training pass alone (loader, forward, backward and optimiser steps; no
/// validation), or <see cref="double.NaN"/> when not measured.</param>
/// <param name="TrainImages">Images the training pass optimised on.</param>
public sealed record EpochMetrics(
    int Epoch,
    string Phase,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationLoss,
    double ValidationAccuracy,
    double ValidationRocAuc,
    double LearningRate,
    double Seconds,
    double TrainSeconds = double.NaN,
    int TrainImages = 0)
{
    /// <summary>Training throughput: <see cref="TrainImages"/> / <see cref="TrainSeconds"/> (validation excluded), or NaN.</summary>
    public double TrainImagesPerSecond => TrainImages > 0 && TrainSeconds > 0 ? TrainImages / TrainSeconds : double.NaN;
}
