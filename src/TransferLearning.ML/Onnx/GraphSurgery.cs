using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Finds the feature tensor of a backbone and cuts, extends or reshapes its graph. Every method returns a new
/// model and leaves its argument unchanged.
/// </summary>
public static class GraphSurgery
{
    private static readonly HashSet<string> Classifier = new(StringComparer.Ordinal) { "Gemm", "MatMul", "QLinearMatMul" };

    private static readonly HashSet<string> Flattening = new(StringComparer.Ordinal) { "Flatten", "Reshape", "Squeeze" };

    /// <summary>Ops that pass values through unchanged in meaning, allowed anywhere in the classifier path.</summary>
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal)
    {
        "Identity", "Dropout", "QuantizeLinear", "DequantizeLinear", "Cast",
    };

    /// <summary>Ops allowed after or between the classifier's linear layers (activations, bias additions, softmax).</summary>
    private static readonly HashSet<string> Head = new(StringComparer.Ordinal)
    {
        "Relu", "Add", "QLinearAdd", "Softmax", "LogSoftmax", "Sigmoid", "Clip", "BatchNormalization",
    };

    /// <summary>
    /// Finds the tensor that feeds the classifier. Walking back from the first graph output, the classifier is the
    /// chain of Gemm/MatMul layers (with activations, bias additions, dropout, softmax and quantization between
    /// them); the feature tensor is the input of that chain once any Flatten/Reshape/Squeeze in front of it is
    /// passed: the output of the global pool for ResNet, DenseNet, Inception, MobileNet and EfficientNet
    /// (shape <c>[C,1,1]</c>), the <c>[512,7,7]</c> output of VGG's average pool.
    /// </summary>
    /// <param name="model">The backbone with its classifier.</param>
    /// <exception cref="OnnxModelException">The graph has no Gemm/MatMul classifier (the message says how to name
    /// the feature tensor explicitly), or the feature tensor's shape cannot be inferred.</exception>
    public static FeatureTensor FindFeatureTensor(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        if (graph.Output.Count == 0)
            throw new OnnxModelException($"{Describe(model)} has no graph output.", model.FilePath);
        var producers = Producers(graph);
        var constants = ConstantNames(graph);
        string start = graph.Output[0].Name;
        string current = start;
        bool seenLinear = false, seenFlatten = false;
        while (producers.TryGetValue(current, out var node))
        {
            string op = node.OpType;
            if (Classifier.Contains(op))
            {
                if (seenFlatten) break;
                seenLinear = true;
            }
            else if (Flattening.Contains(op))
            {
                // before any linear layer (walking back) a reshape only rearranges the logits
                if (seenLinear) seenFlatten = true;
            }
            else if (PassThrough.Contains(op)) { }
            else if (Head.Contains(op) && !seenFlatten) { }
            else break;

            string? data = DataInput(node, constants);
            if (data is null) break;
            current = data;
        }

        if (!seenLinear)
            throw new OnnxModelException(
                $"{Describe(model)} has no classifier: no Gemm/MatMul layer on the path back from output '{start}', so " +
                "the graph looks like a headless backbone and the feature tensor cannot be guessed. Name it " +
                "explicitly: GraphSurgery.DescribeTensor(model, \"<tensor>\") and GraphSurgery.CutAt(model, \"<tensor>\") " +
                $"(this graph's outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}).", model.FilePath);
        if (!producers.ContainsKey(current))
            throw new OnnxModelException(
                $"{Describe(model)}: the classifier reads graph input '{current}' directly, so there is no backbone to " +
                "extract features from.", model.FilePath);
        return DescribeTensor(model, current);
    }

    /// <summary>
    /// Whether the graph ends in a classifier that <see cref="FindFeatureTensor"/> can cut off: a Gemm/MatMul layer on
    /// the path back from the first output. False for a headless backbone, whose output already is the feature tensor.
    /// </summary>
    public static bool HasClassifier(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        if (graph.Output.Count == 0) return false;
        var producers = Producers(graph);
        var constants = ConstantNames(graph);
        string current = graph.Output[0].Name;
        while (producers.TryGetValue(current, out var node))
        {
            string op = node.OpType;
            if (Classifier.Contains(op)) return true;
            if (!(Flattening.Contains(op) || PassThrough.Contains(op) || Head.Contains(op))) return false;
            if (DataInput(node, constants) is not { } data) return false;
            current = data;
        }
        return false;
    }

    /// <summary>Describes a named tensor as a feature tensor: its shape without the batch and its kind.</summary>
    /// <param name="model">The model holding the tensor.</param>
    /// <param name="tensorName">A node output of the graph.</param>
    /// <exception cref="OnnxModelException">No such tensor (the message lists near names), or its shape cannot be
    /// inferred.</exception>
    public static FeatureTensor DescribeTensor(OnnxModel model, string tensorName)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireTensor(model, tensorName);
        var inference = ShapeInference.Run(model);
        long[] shape = inference.ShapeOf(tensorName)
            ?? throw new OnnxModelException(
                $"{Describe(model)}: the shape of tensor '{tensorName}' cannot be inferred statically (an operator " +
                "this library does not infer, or symbolic image dimensions). Give the image input fixed " +
                "height and width when exporting.", model.FilePath);
        long[] perImage = shape.Length > 0 ? shape[1..] : [];
        bool pooled = perImage.Length >= 1 && perImage.Skip(1).All(d => d == 1);
        return new FeatureTensor(tensorName, perImage, pooled ? FeatureKind.Pooled : FeatureKind.Spatial,
            pooled ? tensorName : null);
    }

    /// <summary>
    /// A model whose single output is <paramref name="tensorName"/> (declared with its inferred shape and a
    /// symbolic batch dimension <c>N</c>), keeping only the nodes, initializers and inputs needed to compute it.
    /// When the tensor is a quantized output of a QLinear operator, a <c>DequantizeLinear</c> is appended and the
    /// output is the float tensor <c>&lt;tensorName&gt;_dequantized</c>. The cut keeps the source's opsets; its IR
    /// version is raised where the cut needs it (<see cref="OpsetUpgrade.FixIrVersion"/>).
    /// </summary>
    /// <exception cref="OnnxModelException">No such tensor; the message lists near names.</exception>
    public static OnnxModel CutAt(OnnxModel model, string tensorName)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireTensor(model, tensorName);
        var graph = model.Graph;
        var inference = ShapeInference.Run(model);
        var producers = Producers(graph);
        var extra = new List<NodeProto>();
        string outputName = tensorName;
        if (producers.TryGetValue(tensorName, out var producer) && Dequantization(producer) is var (scale, zeroPoint)
            && inference.ElementTypeOf(tensorName) is (int)TensorProto.Types.DataType.Uint8 or (int)TensorProto.Types.DataType.Int8)
        {
            outputName = tensorName + "_dequantized";
            var dequantize = new NodeProto { Name = outputName, OpType = "DequantizeLinear" };
            dequantize.Input.Add([tensorName, scale, zeroPoint]);
            dequantize.Output.Add(outputName);
            extra.Add(dequantize);
        }

        var needed = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(extra.SelectMany(n => n.Input).Append(tensorName));
        var keptNodes = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        while (pending.TryPop(out string? name))
        {
            if (name.Length == 0 || !needed.Add(name)) continue;
            if (producers.TryGetValue(name, out var node) && keptNodes.Add(node))
                foreach (string input in node.Input) pending.Push(input);
        }

        var cut = new GraphProto { Name = graph.Name, DocString = graph.DocString };
        cut.Node.Add(graph.Node.Where(keptNodes.Contains));
        cut.Node.Add(extra);
        cut.Initializer.Add(graph.Initializer.Where(t => needed.Contains(t.Name)));
        cut.Input.Add(graph.Input.Where(i => needed.Contains(i.Name)));
        cut.ValueInfo.Add(graph.ValueInfo.Where(v => needed.Contains(v.Name) && v.Name != tensorName));
        int elementType = extra.Count > 0 ? (int)TensorProto.Types.DataType.Float : inference.ElementTypeOf(tensorName);
        cut.Output.Add(BatchedValueInfo(outputName, elementType, inference.ShapeOf(tensorName)));
        return new OnnxModel(WithGraph(model.Proto, cut));
    }

    /// <summary>The model with <paramref name="tensorNames"/> added as graph outputs (existing outputs are kept;
    /// names already outputs are skipped).</summary>
    /// <exception cref="OnnxModelException">A name is not a tensor of the graph; the message lists near names.</exception>
    public static OnnxModel ExposeOutputs(OnnxModel model, params string[] tensorNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensorNames);
        foreach (string name in tensorNames) RequireTensor(model, name);
        var inference = ShapeInference.Run(model);
        var copy = model.Proto.Clone();
        var existing = copy.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string name in tensorNames.Distinct())
        {
            if (!existing.Add(name)) continue;
            foreach (var stale in copy.Graph.ValueInfo.Where(v => v.Name == name).ToArray()) copy.Graph.ValueInfo.Remove(stale);
            copy.Graph.Output.Add(BatchedValueInfo(name, inference.ElementTypeOf(name), inference.ShapeOf(name)));
        }
        return new OnnxModel(copy);
    }

    /// <summary>The model with the first dimension of every graph input and output made symbolic (<c>N</c>), so
    /// that ONNX Runtime accepts any batch size. Intermediate <c>value_info</c> with a fixed batch is dropped.</summary>
    public static OnnxModel WithDynamicBatch(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = model.Proto.Clone();
        var initializers = copy.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var info in copy.Graph.Input.Where(i => !initializers.Contains(i.Name)).Concat(copy.Graph.Output))
        {
            var dims = info.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 }) dims[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        foreach (var stale in copy.Graph.ValueInfo.Where(v => v.Type?.TensorType?.Shape?.Dim is { Count: >= 2 } dims
                     && dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue).ToArray())
            copy.Graph.ValueInfo.Remove(stale);
        return new OnnxModel(copy);
    }

    private static ValueInfoProto BatchedValueInfo(string name, int elementType, long[]? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = elementType == 0 ? (int)TensorProto.Types.DataType.Float : elementType };
        if (shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            for (int i = 0; i < shape.Length; i++)
                tensor.Shape.Dim.Add(i == 0
                    ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                    : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    private static ModelProto WithGraph(ModelProto model, GraphProto graph)
    {
        var copy = new ModelProto
        {
            IrVersion = model.IrVersion, ProducerName = model.ProducerName, ProducerVersion = model.ProducerVersion,
            Domain = model.Domain, ModelVersion = model.ModelVersion, DocString = model.DocString, Graph = graph.Clone(),
        };
        copy.OpsetImport.Add(model.OpsetImport.Select(o => o.Clone()));
        copy.MetadataProps.Add(model.MetadataProps.Select(p => p.Clone()));
        // the cut keeps the source's opset, but lists only the inputs it needs: an IR 3 source (whose initializers
        // had to be inputs) needs IR 4 once they are not
        OpsetUpgrade.FixIrVersion(copy);
        return copy;
    }

    /// <summary>The (scale, zero point) inputs that describe a QLinear operator's output, or null.</summary>
    private static (string Scale, string ZeroPoint)? Dequantization(NodeProto node) => node.OpType switch
    {
        "QLinearConv" or "QLinearAdd" or "QLinearMul" or "QLinearMatMul" when node.Input.Count >= 8 => (node.Input[6], node.Input[7]),
        "QLinearGlobalAveragePool" or "QLinearAveragePool" when node.Input.Count >= 5 => (node.Input[3], node.Input[4]),
        "QuantizeLinear" when node.Input.Count >= 3 => (node.Input[1], node.Input[2]),
        _ => null,
    };

    /// <summary>The input that carries activations rather than weights, or null when none does.</summary>
    private static string? DataInput(NodeProto node, HashSet<string> constants)
    {
        int[] candidates = node.OpType switch
        {
            "QLinearMatMul" or "QLinearAdd" or "QLinearMul" => [0, 3],
            "Add" or "Mul" or "MatMul" or "Sub" => [0, 1],
            _ => [0],
        };
        foreach (int index in candidates)
            if (index < node.Input.Count && node.Input[index].Length > 0 && !constants.Contains(node.Input[index]))
                return node.Input[index];
        return null;
    }

    private static Dictionary<string, NodeProto> Producers(GraphProto graph)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            foreach (string output in node.Output)
                if (output.Length > 0) producers.TryAdd(output, node);
        return producers;
    }

    private static HashSet<string> ConstantNames(GraphProto graph)
    {
        var names = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant")) names.UnionWith(node.Output);
        return names;
    }

    private static void RequireTensor(OnnxModel model, string tensorName)
    {
        ArgumentNullException.ThrowIfNull(tensorName);
        var names = TensorNames(model.Graph);
        if (names.Contains(tensorName)) return;
        var near = TensorNameSuggestions.Nearest(tensorName, names, 5);
        throw new OnnxModelException(
            $"{Describe(model)} has no tensor named '{tensorName}'. Near names: {string.Join(", ", near.Select(n => $"'{n}'"))}. " +
            "Tensor names are node outputs; list them with a viewer such as Netron.", model.FilePath);
    }

    private static HashSet<string> TensorNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node) names.UnionWith(node.Output.Where(o => o.Length > 0));
        return names;
    }

    private static string Describe(OnnxModel model) => model.FilePath is null ? "The model" : $"'{model.FilePath}'";
}
