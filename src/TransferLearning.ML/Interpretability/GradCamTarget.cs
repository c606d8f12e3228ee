using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Interpretability;

/// <summary>Finds, in an ONNX classifier, the score tensor and the convolutional map Grad-CAM weights.</summary>
internal static class GradCamTarget
{
    private static readonly HashSet<string> Convolutions = new(StringComparer.Ordinal) { "Conv", "QLinearConv", "ConvInteger" };

    /// <summary><c>logits</c> if the graph outputs it, else the input of a final Softmax, else the first output.</summary>
    public static string ScoreTensor(OnnxModel model)
    {
        var graph = model.Graph;
        if (graph.Output.Any(o => o.Name == ClassifierOutputs.Logits)) return ClassifierOutputs.Logits;
        if (graph.Output.Count == 0) throw new ArgumentException($"The ONNX model '{model.FilePath ?? "(in memory)"}' has no outputs.");
        string first = graph.Output[0].Name;
        NodeProto? producer = graph.Node.FirstOrDefault(n => n.Output.Contains(first));
        return producer is { OpType: "Softmax" or "LogSoftmax" } ? producer.Input[0] : first;
    }

    /// <summary>
    /// The last convolution output with a spatial map (H, W &gt; 1) that <paramref name="scoreTensor"/> depends
    /// on, followed forward through single consumers that keep a spatial map (activations, residual Add, pooling
    /// that leaves H, W &gt; 1), so the map is the block's output, as the global pooling sees it.
    /// </summary>
    /// <exception cref="ArgumentException">The graph has no such convolution.</exception>
    public static string LastConvolutionalMap(OnnxModel model, string scoreTensor)
    {
        IReadOnlyList<NodeProto> nodes = model.TopologicalNodes();
        var shapes = ShapeInference.Run(model);
        var needed = Ancestors(nodes, scoreTensor);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
        {
            if (!needed.Contains(node.Output[0])) continue;
            foreach (string input in node.Input.Distinct())
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
        NodeProto? last = nodes.LastOrDefault(n => Convolutions.Contains(n.OpType) && needed.Contains(n.Output[0]) && IsSpatial(shapes.ShapeOf(n.Output[0])));
        if (last is null)
            throw new ArgumentException(
                $"No convolution with a spatial output (H, W > 1) feeds '{scoreTensor}' in '{model.FilePath ?? "the model"}': " +
                "Grad-CAM needs a CNN; name the 4-D tensor to explain in GradCamOptions.TargetLayer.");
        string tensor = last.Output[0];
        while (consumers.TryGetValue(tensor, out var next) && Follower(tensor, next) is { } follower
               && !Convolutions.Contains(follower.OpType) && follower.OpType is not ("Gemm" or "MatMul")
               && IsSpatial(shapes.ShapeOf(follower.Output[0])))
            tensor = follower.Output[0];
        return tensor;
    }

    /// <summary>
    /// The single node that reads <paramref name="tensor"/>, or the Mul of a SiLU/Swish written as
    /// x · Sigmoid(x) (EfficientNet's exports), whose two readers are the Sigmoid and the Mul.
    /// </summary>
    private static NodeProto? Follower(string tensor, List<NodeProto> readers)
    {
        if (readers.Count == 1) return readers[0];
        if (readers.Count == 2
            && readers.SingleOrDefault(n => n.OpType == "Sigmoid") is { } sigmoid
            && readers.SingleOrDefault(n => n.OpType == "Mul") is { } mul
            && mul.Input.Contains(sigmoid.Output[0]) && mul.Input.Contains(tensor))
            return mul;
        return null;
    }

    private static bool IsSpatial(long[]? shape) => shape is { Length: 4 } && shape[2] > 1 && shape[3] > 1;

    private static HashSet<string> Ancestors(IReadOnlyList<NodeProto> nodes, string tensor)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (NodeProto node in nodes)
            foreach (string output in node.Output) producers[output] = node;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([tensor]);
        while (stack.Count > 0)
        {
            string name = stack.Pop();
            if (!seen.Add(name) || !producers.TryGetValue(name, out var node)) continue;
            foreach (string input in node.Input) if (input.Length > 0) stack.Push(input);
        }
        return seen;
    }
}
