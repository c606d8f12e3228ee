using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>The arithmetic a model costs per image, to turn measured speed into achieved GFLOP/s.</summary>
internal static class OnnxModelCost
{
    /// <summary>
    /// Multiply-accumulates per image of the model's Conv, QLinearConv, ConvTranspose-free Gemm, MatMul and
    /// QLinearMatMul nodes (element-wise ops, pools and normalisation are ignored: they are a few percent of a
    /// CNN's cost). One multiply-accumulate is two floating-point operations.
    /// </summary>
    /// <param name="model">A model with a fixed image size (the batch may be symbolic).</param>
    /// <returns>The count; nodes whose shapes cannot be inferred contribute nothing.</returns>
    public static long MultiplyAccumulatesPerImage(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shapes = ShapeInference.Run(model, batch: 1);
        long total = 0;
        foreach (NodeProto node in model.Graph.Node)
        {
            long[]? output = node.Output.Count > 0 ? shapes.ShapeOf(node.Output[0]) : null;
            if (output is null) continue;
            long outputElements = output.Aggregate(1L, (a, b) => a * b);
            switch (node.OpType)
            {
                case "Conv" or "QLinearConv":
                {
                    long[]? weight = shapes.ShapeOf(node.Input[node.OpType == "Conv" ? 1 : 3]);
                    if (weight is { Length: >= 2 }) total += outputElements * weight.Skip(1).Aggregate(1L, (a, b) => a * b);
                    break;
                }
                case "Gemm" or "MatMul" or "QLinearMatMul":
                {
                    long[]? a = shapes.ShapeOf(node.Input[0]);
                    bool transposed = node.OpType == "Gemm" && node.Attribute.FirstOrDefault(x => x.Name == "transA")?.I == 1;
                    if (a is { Length: >= 1 }) total += outputElements * (transposed ? a[0] : a[^1]);
                    break;
                }
            }
        }
        return total;
    }
}
