using System.Collections;
using System.Reflection;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Multiply-accumulates per image of a graph's Conv and Gemm/MatMul nodes (2 FLOPs each), to turn images/s into
/// achieved GFLOP/s. Uses the library's <c>OnnxModelCost</c> when the library has it (branch onnx-io); until then
/// counts from the graph itself: the ONNX protobuf is internal to the library, so it is read by reflection, and
/// output shapes come from the public <see cref="GraphSurgery.DescribeTensor"/>.
/// </summary>
internal static class GraphCost
{
    public static long MultiplyAccumulatesPerImage(OnnxModel model)
    {
        MethodInfo? library = typeof(OnnxModel).Assembly.GetType("TransferLearning.ML.Onnx.OnnxModelCost")
            ?.GetMethod("MultiplyAccumulatesPerImage", [typeof(OnnxModel)]);
        if (library is not null) return (long)library.Invoke(null, [model])!;

        object proto = typeof(OnnxModel).GetProperty("Proto", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(model)!;
        object graph = Get(proto, "Graph");
        var weights = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (object tensor in (IEnumerable)Get(graph, "Initializer"))
            weights[(string)Get(tensor, "Name")] = ((IEnumerable<long>)Get(tensor, "Dims")).ToArray();
        long total = 0;
        foreach (object node in (IEnumerable)Get(graph, "Node"))
        {
            string op = (string)Get(node, "OpType");
            if (op is not ("Conv" or "Gemm" or "MatMul")) continue;
            var inputs = ((IEnumerable<string>)Get(node, "Input")).ToArray();
            string output = ((IEnumerable<string>)Get(node, "Output")).First();
            if (!weights.TryGetValue(inputs[1], out long[]? weight)) continue;
            long outputElements = GraphSurgery.DescribeTensor(model, output).Length;
            total += op == "Conv"
                ? outputElements * weight.Skip(1).Aggregate(1L, (a, b) => a * b)
                : outputElements * (op == "Gemm" && Transposed(node) ? weight[1] : weight[0]);
        }
        return total;
    }

    private static bool Transposed(object node)
    {
        foreach (object attribute in (IEnumerable)Get(node, "Attribute"))
            if ((string)Get(attribute, "Name") == "transB") return (long)Get(attribute, "I") == 1;
        return false;
    }

    private static object Get(object target, string property) =>
        target.GetType().GetProperty(property)!.GetValue(target)!;
}
