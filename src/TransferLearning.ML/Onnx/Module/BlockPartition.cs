using TransferLearning.ML.Onnx.Module.Ops;

namespace TransferLearning.ML.Onnx.Module;

/// <summary>
/// Splits a compiled graph into <see cref="ModuleBlock"/>s.
/// </summary>
/// <remarks>
/// The rule, in execution order:
/// <list type="number">
/// <item>A <em>cut</em> follows node k when exactly one computed tensor (the input included) produced so far is
/// still read after k: the network narrows to that tensor. Parameters and constants do not count.</item>
/// <item>A cut is a <em>boundary</em> when node k is structural: a pooling, a merge of two or more computed
/// tensors (residual Add, Inception/DenseNet Concat), or a parameterised linear map (Conv, Gemm, MatMul, QLinearConv)
/// whose output no activation or pooling reads (through BatchNormalization, Identity or Dropout) — the linear
/// bottleneck that closes a MobileNet/EfficientNet block, or a classifier's last Gemm. A boundary moves forward
/// over activations that directly follow it (the Relu after a ResNet Add) and over one-input finishing steps
/// (a bias add, BatchNormalization, a dequantisation). The last node always ends a block.</item>
/// <item>A segment between boundaries that owns no parameter merges into the next block (the last one into the
/// previous), so a lone pooling never forms a block of its own.</item>
/// </list>
/// This yields the 5 pooling stages of VGG16/19's features plus the classifier, a stem and one block per
/// bottleneck for ResNet, one block per inverted residual for MobileNetV2 and EfficientNet, one per Inception
/// module, and dense blocks and transitions for DenseNet (inside a dense block every earlier feature map stays
/// live, so the network never narrows there).
/// </remarks>
internal static class BlockPartition
{
    private static readonly HashSet<string> Transparent = new(StringComparer.Ordinal) { "BatchNormalization", "Identity", "Dropout" };

    public static IReadOnlyList<ModuleBlock> Build(CompiledGraph graph)
    {
        CompiledNode[] nodes = graph.Nodes;
        int first = graph.PreambleCount, count = nodes.Length - first;
        if (count == 0) return [];

        // main-node readers of every computed slot (the input counts as produced before node 0)
        var readers = new Dictionary<int, List<int>>();
        for (int k = 0; k < count; k++)
            foreach (int s in nodes[first + k].Inputs)
                if (s >= 0 && IsActivation(graph, s)) (readers.TryGetValue(s, out var list) ? list : readers[s] = []).Add(k);

        // sweep: +1 when produced, -1 after the last reader; the output stays live to the end
        var delta = new int[count + 1];
        void Live(int slot, int producedAt)
        {
            int last = slot == graph.OutputSlot ? count : readers.TryGetValue(slot, out var r) ? r.Max() : producedAt;
            if (last <= producedAt) return;
            delta[Math.Max(producedAt, 0)] += 1;
            delta[last] -= 1;
        }
        Live(graph.InputSlot, 0);
        for (int k = 0; k < count; k++) Live(nodes[first + k].Output, k);
        var cut = new bool[count];
        int live = 0;
        for (int k = 0; k < count; k++)
        {
            live += delta[k];
            cut[k] = live == 1;
        }

        var boundaries = new List<int>();
        for (int k = 0; k < count; k++)
        {
            if (k < count - 1 && !(cut[k] && IsStructural(graph, first, k, readers))) continue;
            int end = k;
            while (end + 1 < count && cut[end + 1] && Trails(graph, nodes[first + end + 1], nodes[first + end].Output))
                end++;
            boundaries.Add(end);
            k = end;
        }

        // segments, with parameterless ones merged forward (the last one backward)
        var segments = new List<(int Start, int End)>();
        int start = 0;
        foreach (int end in boundaries)
        {
            bool hasParameters = Enumerable.Range(start, end - start + 1).Any(k => nodes[first + k].ParameterIndices.Length > 0);
            if (hasParameters || end == count - 1)
            {
                if (!hasParameters && segments.Count > 0) segments[^1] = (segments[^1].Start, end);
                else segments.Add((start, end));
                start = end + 1;
            }
        }

        var owner = new int[graph.Parameters.Count];
        Array.Fill(owner, -1);
        for (int b = 0; b < segments.Count; b++)
            for (int k = segments[b].Start; k <= segments[b].End; k++)
                foreach (int p in nodes[first + k].ParameterIndices)
                    if (owner[p] < 0) owner[p] = b;

        var blocks = new List<ModuleBlock>(segments.Count);
        for (int b = 0; b < segments.Count; b++)
        {
            var (s, e) = segments[b];
            var nodeNames = Enumerable.Range(s, e - s + 1).Select(k => nodes[first + k].Proto.Name).ToList();
            var parameterNames = Enumerable.Range(0, owner.Length)
                .Where(p => owner[p] == b || owner[p] < 0 && b == 0)
                .Select(p => graph.Parameters[p].OnnxName).ToList();
            blocks.Add(new ModuleBlock(b, Name(nodeNames, b), nodeNames, parameterNames,
                graph.SlotNames[nodes[first + e].Output], first + e + 1));
        }
        return blocks;
    }

    /// <summary>
    /// Whether a node that directly follows a boundary still belongs to the block it closes: an activation, or a
    /// one-input finishing step such as a bias add or a dequantisation.
    /// </summary>
    private static bool Trails(CompiledGraph graph, CompiledNode node, int previousOutput)
    {
        if (!node.Inputs.Contains(previousOutput)) return false;
        if (node.Operator.Kind == OperatorKind.Activation) return true;
        return node.Operator.Kind == OperatorKind.Other && Finishing.Contains(node.Proto.OpType)
            && node.Inputs.Count(s => s >= 0 && IsActivation(graph, s)) == 1;
    }

    private static readonly HashSet<string> Finishing = new(StringComparer.Ordinal)
    {
        "Add", "QLinearAdd", "BatchNormalization", "DequantizeLinear", "QuantizeLinear", "Identity", "Dropout",
    };

    private static bool IsActivation(CompiledGraph graph, int slot) =>
        graph.SlotKinds[slot] is SlotKind.Input or SlotKind.Computed;

    private static bool IsStructural(CompiledGraph graph, int first, int k, Dictionary<int, List<int>> readers)
    {
        CompiledNode node = graph.Nodes[first + k];
        switch (node.Operator.Kind)
        {
            case OperatorKind.Merge:
            case OperatorKind.Pooling:
                return true;
            case OperatorKind.Linear:
                return !FeedsActivationOrPooling(graph, first, node.Output, readers);
            default:
                return false;
        }
    }

    private static bool FeedsActivationOrPooling(CompiledGraph graph, int first, int slot, Dictionary<int, List<int>> readers)
    {
        if (!readers.TryGetValue(slot, out var list)) return false;
        foreach (int k in list)
        {
            CompiledNode reader = graph.Nodes[first + k];
            if (reader.Operator.Kind is OperatorKind.Activation or OperatorKind.Pooling) return true;
            if (Transparent.Contains(reader.Proto.OpType) && FeedsActivationOrPooling(graph, first, reader.Output, readers)) return true;
        }
        return false;
    }

    /// <summary>The longest common path prefix of the node names ("/layer1/layer1.0"), else "block{index}".</summary>
    private static string Name(List<string> nodeNames, int index)
    {
        string prefix = nodeNames[0];
        foreach (string name in nodeNames.Skip(1))
        {
            int i = 0;
            while (i < prefix.Length && i < name.Length && prefix[i] == name[i]) i++;
            prefix = prefix[..i];
        }
        if (nodeNames.Count > 1)
        {
            int slash = prefix.LastIndexOf('/');
            prefix = slash > 0 ? prefix[..slash] : "";
        }
        prefix = prefix.TrimEnd('/', '_', '.');
        return prefix.Length > 0 ? prefix : $"block{index}";
    }
}
