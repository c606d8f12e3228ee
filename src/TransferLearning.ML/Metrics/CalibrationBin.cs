namespace TransferLearning.ML.Metrics;

/// <summary>
/// One bin of the reliability diagram: the samples whose top-label confidence (largest probability) lies in
/// (<paramref name="Lower"/>, <paramref name="Upper"/>] (the first bin also takes 0).
/// </summary>
/// <param name="Lower">Lower edge (exclusive).</param>
/// <param name="Upper">Upper edge (inclusive).</param>
/// <param name="Count">Samples in the bin.</param>
/// <param name="MeanConfidence">Mean largest probability of those samples; <see cref="double.NaN"/> for an empty bin.</param>
/// <param name="Accuracy">Share of those samples whose argmax class is right; <see cref="double.NaN"/> for an empty bin.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);
