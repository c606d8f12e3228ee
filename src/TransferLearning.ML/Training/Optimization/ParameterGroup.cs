using TorchSharp.Modules;

namespace TransferLearning.ML.Training.Optimization;

/// <summary>Parameters trained with one base learning rate (a backbone block, or the head).</summary>
/// <param name="Name">For logs: <c>head</c>, <c>block 17</c>, ….</param>
/// <param name="Parameters">The trainable parameters.</param>
/// <param name="BaseLearningRate">The rate the schedule's factor multiplies.</param>
/// <param name="WeightDecay">Weight decay for this group (decoupled for AdamW).</param>
internal sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double BaseLearningRate, double WeightDecay);
