using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Puts several classifier graphs that read the same input side by side in one ONNX graph and averages one of their
/// outputs with ONNX operators (<c>Mean</c>, or <c>Mul</c> by each weight and <c>Sum</c>). Each member's nodes,
/// initializers and intermediate tensors are renamed with the prefix <c>m&lt;i&gt;/</c>, so the members cannot clash;
/// only the shared input keeps its name.
/// </summary>
internal static class GraphMerge
{
    /// <summary>
    /// One graph whose input <paramref name="inputName"/> feeds every member and whose outputs are
    /// <paramref name="averagedOutput"/> (the weighted mean of the members' outputs of that name) and
    /// <paramref name="logOutput"/> (its natural logarithm, so that a softmax of it gives back the mean).
    /// </summary>
    /// <param name="members">Graphs with one non-initializer input named <paramref name="inputName"/> and an output
    /// <paramref name="averagedOutput"/>; they are not changed.</param>
    /// <param name="inputName">The shared input; its declared type is member 0's.</param>
    /// <param name="averagedOutput">The output to average, of the same shape in every member.</param>
    /// <param name="logOutput">The name of the second output, Log of the mean.</param>
    /// <param name="weights">One positive weight per member, summing to 1.</param>
    /// <exception cref="OnnxModelException">A member lacks the input or output, reads another input, holds a
    /// subgraph (control flow), or imports another version of an operator set than a
    /// previous member.</exception>
    public static ModelProto Average(IReadOnlyList<ModelProto> members, string inputName, string averagedOutput, string logOutput,
        IReadOnlyList<float> weights)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(weights);
        if (members.Count < 2) throw new ArgumentException("An average needs at least two graphs.", nameof(members));
        if (weights.Count != members.Count) throw new ArgumentException("One weight per graph is needed.", nameof(weights));

        var merged = new ModelProto { IrVersion = members.Max(m => m.IrVersion), Graph = new GraphProto { Name = "ensemble" } };
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var graph = merged.Graph;
        var averaged = new List<string>();
        for (int m = 0; m < members.Count; m++)
        {
            var source = members[m].Graph;
            string prefix = $"m{m}/";
            foreach (var import in members[m].OpsetImport)
            {
                string domain = import.Domain is "" or "ai.onnx" ? "" : import.Domain;
                if (opsets.TryGetValue(domain, out long version) && version != import.Version)
                    throw new OnnxModelException(
                        $"Graph {m} imports opset {import.Version} of {(domain.Length == 0 ? "ai.onnx" : domain)}, an earlier graph opset {version}: " +
                        "graphs of one model must share each operator set's version. Export both from the same library version.");
                opsets[domain] = import.Version;
            }
            var initializers = source.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            var inputs = source.Input.Where(i => !initializers.Contains(i.Name)).ToList();
            if (inputs.Count != 1 || inputs[0].Name != inputName)
                throw new OnnxModelException(
                    $"Graph {m} reads {string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}; every graph must read the one input '{inputName}'.");
            if (!source.Output.Any(o => o.Name == averagedOutput))
                throw new OnnxModelException($"Graph {m} has no output '{averagedOutput}' to average.");
            if (m == 0) graph.Input.Add(inputs[0].Clone());

            string Rename(string name) => name.Length == 0 || name == inputName ? name : prefix + name;
            for (int n = 0; n < source.Node.Count; n++)
            {
                var node = source.Node[n].Clone();
                if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
                    throw new OnnxModelException($"Graph {m} has a subgraph in node '{node.Name}' ({node.OpType}); control flow cannot be merged.",
                        nodeName: node.Name, opType: node.OpType);
                node.Name = prefix + (node.Name.Length > 0 ? node.Name : $"{node.OpType}_{n}");
                for (int i = 0; i < node.Input.Count; i++) node.Input[i] = Rename(node.Input[i]);
                for (int i = 0; i < node.Output.Count; i++) node.Output[i] = Rename(node.Output[i]);
                graph.Node.Add(node);
            }
            foreach (var tensor in source.Initializer)
            {
                var copy = tensor.Clone();
                copy.Name = Rename(copy.Name);
                graph.Initializer.Add(copy);
            }
            foreach (var info in source.ValueInfo.Where(v => v.Name != inputName))
            {
                var copy = info.Clone();
                copy.Name = Rename(copy.Name);
                graph.ValueInfo.Add(copy);
            }
            averaged.Add(Rename(averagedOutput));
        }
        foreach (var (domain, version) in opsets.OrderBy(o => o.Key, StringComparer.Ordinal))
            merged.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });

        string mean = averagedOutput;
        if (weights.All(w => w == weights[0]))
            graph.Node.Add(Node("Mean", "ensemble/mean", averaged, mean));
        else
        {
            var terms = new List<string>();
            for (int m = 0; m < averaged.Count; m++)
            {
                string weight = $"ensemble/weight{m}", term = $"ensemble/weighted{m}";
                graph.Initializer.Add(Scalar(weight, weights[m]));
                graph.Node.Add(Node("Mul", $"ensemble/mul{m}", [averaged[m], weight], term));
                terms.Add(term);
            }
            graph.Node.Add(Node("Sum", "ensemble/sum", terms, mean));
        }
        graph.Node.Add(Node("Log", "ensemble/log", [mean], logOutput));

        var declared = members[0].Graph.Output.First(o => o.Name == averagedOutput);
        foreach (var output in members[0].Graph.Output)
        {
            // the members' output order (logits, probabilities for the library's classifiers)
            if (output.Name == averagedOutput) graph.Output.Add(declared.Clone());
            else if (output.Name == logOutput) graph.Output.Add(Declared(declared, logOutput));
        }
        if (!graph.Output.Any(o => o.Name == logOutput)) graph.Output.Add(Declared(declared, logOutput));
        OpsetUpgrade.FixIrVersion(merged);
        return merged;
    }

    private static ValueInfoProto Declared(ValueInfoProto like, string name)
    {
        var copy = like.Clone();
        copy.Name = name;
        return copy;
    }

    private static NodeProto Node(string op, string name, IEnumerable<string> inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto Scalar(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.RawData = ByteString.CopyFrom(BitConverter.GetBytes(value));
        return tensor;
    }
}
