using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training.Optimization;

/// <summary>Builds a TorchSharp optimiser with one parameter group per <see cref="ParameterGroup"/>.</summary>
internal static class OptimizerFactory
{
    public static OptimizerHelper Create(OptimizerKind kind, IReadOnlyList<ParameterGroup> groups)
    {
        var nonEmpty = groups.Where(g => g.Parameters.Count > 0).ToList();
        if (nonEmpty.Count == 0) throw new InvalidOperationException("Nothing to train: every parameter is frozen.");
        return kind switch
        {
            OptimizerKind.AdamW => optim.AdamW(nonEmpty.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options
            {
                LearningRate = g.BaseLearningRate, weight_decay = g.WeightDecay,
            }))),
            OptimizerKind.Adam => optim.Adam(nonEmpty.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options
            {
                LearningRate = g.BaseLearningRate, weight_decay = g.WeightDecay,
            }))),
            OptimizerKind.Sgd => optim.SGD(nonEmpty.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options
            {
                LearningRate = g.BaseLearningRate, momentum = 0.9, nesterov = true, weight_decay = g.WeightDecay,
            })), nonEmpty[0].BaseLearningRate, momentum: 0.9, nesterov: true),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>Sets every group's rate to its base rate × <paramref name="factor"/>.</summary>
    public static void SetLearningRates(optim.Optimizer optimizer, IReadOnlyList<ParameterGroup> groups, double factor)
    {
        var nonEmpty = groups.Where(g => g.Parameters.Count > 0).ToList();
        int i = 0;
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = nonEmpty[i++].BaseLearningRate * factor;
    }
}
