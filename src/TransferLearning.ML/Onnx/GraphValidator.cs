using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Checks the structure of a graph before anything else (in particular ONNX Runtime's native code) sees it:
/// every tensor produced once, every node input defined, every output produced, no cycle.
/// </summary>
internal static class GraphValidator
{
    public static void Validate(ModelProto model, string? filePath)
    {
        string what = filePath is null ? "The model" : $"'{filePath}'";
        if (model.Graph is null)
            throw new OnnxModelException($"{what} has no graph: re-export it or check the download.", filePath);
        var graph = model.Graph;

        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in graph.Input) defined.TryAdd(input.Name, "graph input");
        foreach (var tensor in graph.Initializer)
        {
            if (defined.TryGetValue(tensor.Name, out string? earlier) && earlier != "graph input")
                throw new OnnxModelException(
                    $"{what} defines initializer '{tensor.Name}' twice: the file is corrupt or was edited by hand.", filePath);
            defined[tensor.Name] = "initializer";
        }

        foreach (var node in graph.Node)
        {
            foreach (string output in node.Output)
            {
                if (output.Length == 0) continue;
                if (defined.TryGetValue(output, out string? earlier))
                    throw new OnnxModelException(
                        $"{what}: node '{NodeLabel(node)}' ({node.OpType}) outputs tensor '{output}', which is already " +
                        $"defined as {earlier}. A tensor must be produced exactly once (duplicate output): the graph is " +
                        "malformed; re-export it.", filePath, node.Name, node.OpType);
                defined[output] = $"output of node '{NodeLabel(node)}' ({node.OpType})";
            }
        }

        foreach (var node in graph.Node)
        {
            foreach (string input in node.Input)
            {
                if (input.Length == 0 || defined.ContainsKey(input)) continue;
                throw new OnnxModelException(
                    $"{what}: node '{NodeLabel(node)}' ({node.OpType}) reads tensor '{input}', which is neither a graph " +
                    "input, an initializer nor the output of a node (missing initializer?). The weights may have been " +
                    "stripped or saved as external data that was not copied: re-export the model with its weights.",
                    filePath, node.Name, node.OpType);
            }
        }

        var outputNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in graph.Output)
        {
            if (!outputNames.Add(output.Name))
                throw new OnnxModelException(
                    $"{what} lists graph output '{output.Name}' twice (duplicate output): re-export the model.", filePath);
            if (!defined.ContainsKey(output.Name))
                throw new OnnxModelException(
                    $"{what} declares graph output '{output.Name}', but no node produces it: the file is truncated or " +
                    "malformed; re-export it.", filePath);
        }

        TopologicalOrder(graph, filePath);
    }

    /// <summary>Kahn's algorithm, taking ready nodes in file order so that a sorted file keeps its order.</summary>
    public static IReadOnlyList<NodeProto> TopologicalOrder(GraphProto graph, string? filePath)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
            foreach (string output in graph.Node[i].Output)
                if (output.Length > 0) producer.TryAdd(output, i);

        var pending = new int[graph.Node.Count];
        var consumers = new List<int>[graph.Node.Count];
        for (int i = 0; i < graph.Node.Count; i++)
        {
            consumers[i] = [];
        }
        for (int i = 0; i < graph.Node.Count; i++)
        {
            foreach (int source in graph.Node[i].Input.Where(n => n.Length > 0)
                         .Select(n => producer.TryGetValue(n, out int p) ? p : -1).Where(p => p >= 0).Distinct())
            {
                pending[i]++;
                consumers[source].Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < pending.Length; i++)
            if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<NodeProto>(graph.Node.Count);
        while (ready.TryDequeue(out int index, out _))
        {
            order.Add(graph.Node[index]);
            foreach (int next in consumers[index])
                if (--pending[next] == 0) ready.Enqueue(next, next);
        }

        if (order.Count != graph.Node.Count)
        {
            int stuck = Enumerable.Range(0, pending.Length).First(i => pending[i] > 0);
            var node = graph.Node[stuck];
            string what = filePath is null ? "The model's graph" : $"The graph of '{filePath}'";
            throw new OnnxModelException(
                $"{what} has a cycle through node '{NodeLabel(node)}' ({node.OpType}): an ONNX graph must be acyclic; " +
                "re-export the model.", filePath, node.Name, node.OpType);
        }
        return order;
    }

    internal static string NodeLabel(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : $"<unnamed, output {node.Output.FirstOrDefault() ?? "?"}>";
}
