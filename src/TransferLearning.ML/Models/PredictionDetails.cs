namespace TransferLearning.ML.Models;

/// <summary>A prediction with how it was made.</summary>
/// <param name="Prediction">The predicted class and the (view-averaged) probabilities.</param>
/// <param name="Views">How many inputs were averaged: 1 + the augmented views.</param>
public sealed record PredictionDetails(Prediction Prediction, int Views);
