namespace TransferLearning.ML.WebDemo;

/// <summary>One class's probability.</summary>
/// <param name="ClassName">The class.</param>
/// <param name="Probability">Its softmax probability, 0 to 1.</param>
public sealed record ClassProbability(string ClassName, float Probability);
