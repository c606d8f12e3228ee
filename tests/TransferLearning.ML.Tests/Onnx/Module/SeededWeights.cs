using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>
/// Gives a graph-only export (parameters as graph inputs, no initializers) seeded random weights by turning every
/// parameter input into an initializer. Values keep activations O(1): convolution weights with standard deviation sqrt(2/fan_in),
/// linear weights sqrt(1/fan_in), biases 0.05, batch-norm scale uniform(0.5, 1.5), bias and mean 0.1, variance uniform(0.5, 1.5).
/// </summary>
internal static class SeededWeights
{
    public static ModelProto Apply(ModelProto graphOnly, int seed)
    {
        ModelProto model = graphOnly.Clone();
        GraphProto graph = model.Graph;
        var random = new Random(seed);
        var existing = new HashSet<string>(graph.Initializer.Select(t => t.Name));
        var parameters = graph.Input.Where(i => !existing.Contains(i.Name) && !HasDynamicDimension(i)).ToList();
        foreach (ValueInfoProto input in parameters)
        {
            long[] shape = input.Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            var (op, index) = Consumer(graph, input.Name);
            Func<double> sample = (op, index, shape.Length) switch
            {
                ("Conv", 1, _) => ZeroMean(random, Math.Sqrt(2.0 / (shape[1] * shape.Skip(2).Aggregate(1L, (a, b) => a * b)))),
                ("Gemm" or "MatMul", 1, 2) => ZeroMean(random, Math.Sqrt(1.0 / shape[1])),
                ("BatchNormalization", 1, _) => () => 0.5 + random.NextDouble(),
                ("BatchNormalization", 4, _) => () => 0.5 + random.NextDouble(),
                ("BatchNormalization", _, _) => ZeroMean(random, 0.1),
                _ => ZeroMean(random, 0.05),
            };
            var values = new float[count];
            for (long i = 0; i < count; i++) values[i] = (float)sample();
            graph.Initializer.Add(TensorData.FromFloats(input.Name, values, shape));
        }
        foreach (ValueInfoProto input in parameters) graph.Input.Remove(input);
        return model;
    }

    private static bool HasDynamicDimension(ValueInfoProto input) =>
        input.Type.TensorType.Shape.Dim.Any(d => d.DimParam.Length > 0);

    /// <summary>The first node reading <paramref name="name"/>, looking through Identity nodes.</summary>
    private static (string Op, int Index) Consumer(GraphProto graph, string name)
    {
        foreach (NodeProto node in graph.Node)
        {
            int index = node.Input.IndexOf(name);
            if (index < 0) continue;
            if (node.OpType == "Identity") return Consumer(graph, node.Output[0]);
            return (node.OpType, index);
        }
        return ("", -1);
    }

    /// <summary>Zero-mean values with standard deviation <paramref name="std"/>: a uniform distribution is enough
    /// here and keeps VGG's 138 M weights quick to make.</summary>
    private static Func<double> ZeroMean(Random random, double std)
    {
        double halfWidth = std * Math.Sqrt(3.0);
        return () => (random.NextDouble() * 2 - 1) * halfWidth;
    }
}
