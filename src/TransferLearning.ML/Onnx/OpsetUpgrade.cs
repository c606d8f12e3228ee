using System.Buffers.Binary;
using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Brings a graph the library writes out to the ONNX versions it documents, so that every runtime and
/// <c>onnx.checker</c> accept it. The rule:
/// <list type="number">
/// <item>The default-domain (<c>ai.onnx</c>) opset becomes <c>max(source opset, 13)</c>. From a source opset below
/// 13 every default-domain node is rewritten to its opset-13 form where its signature or semantics changed
/// (BatchNormalization <c>spatial</c>/<c>is_test</c>/<c>consumed_inputs</c>; Dropout <c>ratio</c>/<c>is_test</c>;
/// Squeeze/Unsqueeze/ReduceSum/Split attributes → inputs; Softmax/LogSoftmax/Hardmax axis; Clip and Pad
/// attributes → inputs; Slice attributes → inputs; TopK <c>k</c> → input; Reshape <c>shape</c> → input), kept where
/// its meaning did not change, and refused (<see cref="OnnxModelException"/> naming node, operator and opset) where
/// no exact rewrite exists (BatchNormalization <c>spatial = 0</c>, element-wise <c>broadcast</c>/<c>axis</c>,
/// Upsample, Resize, control flow, operators without a rule). Source opsets below 7 are refused.</item>
/// <item>The IR version becomes <c>max(source IR version, the IR version of the ONNX release that introduced the
/// opset)</c> (<see cref="MinimumIrVersion"/>; opset 13 → IR 7). A higher source IR version is kept: IR versions
/// are backward compatible, so any IR at or above the minimum holds the opset.</item>
/// <item>Graph inputs that are also initializers are removed (IR ≥ 4 does not need them listed, and runtimes
/// would otherwise expose the weights as overridable inputs).</item>
/// </list>
/// Other domains (<c>com.microsoft</c> QLinearAdd, …) and their nodes are left as they are.
/// </summary>
internal static class OpsetUpgrade
{
    /// <summary>The default-domain opset exports declare at least.</summary>
    public const long MinimumOpset = 13;

    /// <summary>The oldest default-domain opset that can be upgraded (opset 7 brought numpy broadcasting).</summary>
    public const long OldestSourceOpset = 7;

    private static readonly HashSet<string> Unchanged = new(StringComparer.Ordinal)
    {
        // meaning unchanged from opset 7 to 13 (later versions only added types, negative axes or optional inputs)
        "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
        "Cast", "Ceil", "Celu", "Concat", "Constant", "ConstantOfShape", "Conv", "ConvInteger", "ConvTranspose", "Cos",
        "Cosh", "CumSum", "DepthToSpace", "DequantizeLinear", "Div", "Einsum", "Elu", "Equal", "Erf", "Exp", "Expand",
        "EyeLike", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gemm", "GlobalAveragePool",
        "GlobalLpPool", "GlobalMaxPool", "Greater", "GreaterOrEqual", "HardSigmoid", "Identity",
        "InstanceNormalization", "IsInf", "IsNaN", "LRN", "LeakyRelu", "Less", "LessOrEqual", "Log", "LpNormalization",
        "LpPool", "MatMul", "MatMulInteger", "Max", "MaxPool", "Mean", "MeanVarianceNormalization", "Min", "Mod", "Mul",
        "Neg", "NonZero", "Not", "Or", "PRelu", "Pow", "QLinearConv", "QLinearMatMul", "QuantizeLinear", "Range",
        "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
        "ReduceProd", "ReduceSumSquare", "Relu", "Round", "Selu", "Shape", "Sigmoid", "Sign", "Sin", "Sinh", "Size",
        "Softplus", "Softsign", "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile",
        "Transpose", "Where", "Xor",
    };

    /// <summary>Binary operators whose opset-1..6 forms had <c>broadcast</c>/<c>axis</c> attributes.</summary>
    private static readonly HashSet<string> LegacyBroadcast = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less", "Gemm", "PRelu",
    };

    /// <summary>
    /// The IR version of the ONNX release that introduced <paramref name="opset"/> (ai.onnx): 7–8 → 3, 9 → 4,
    /// 10 → 5, 11 → 6, 12–14 → 7, 15–18 → 8, 19–20 → 9, 21–22 → 10, 23 and later → 11.
    /// </summary>
    public static long MinimumIrVersion(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    /// <summary>Upgrades <paramref name="model"/> in place to the rule above.</summary>
    /// <exception cref="OnnxModelException">The source opset is below 7, or a node has no exact opset-13 form;
    /// the message names the node, operator and opset. The model is then left unchanged.</exception>
    public static void Apply(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var imports = model.OpsetImport.Where(o => IsDefaultDomain(o.Domain)).ToList();
        long source = imports.Count == 0 ? MinimumOpset : imports.Max(o => o.Version);
        if (source < OldestSourceOpset)
            throw new OnnxModelException(
                $"The graph imports ai.onnx opset {source}; exports need opset {MinimumOpset} or later, and graphs older than " +
                $"opset {OldestSourceOpset} (legacy broadcast and consumed_inputs semantics) cannot be upgraded. Re-export the " +
                $"backbone with opset {MinimumOpset} or later (e.g. torch.onnx.export(..., opset_version={MinimumOpset})).");
        if (source < MinimumOpset)
        {
            // rewrite a copy so that a refused node leaves the caller's model unchanged
            var graph = model.Graph.Clone();
            new Rewriter(graph, source).Run();
            model.Graph = graph;
        }
        foreach (var entry in imports) model.OpsetImport.Remove(entry);
        long opset = Math.Max(source, MinimumOpset);
        model.OpsetImport.Insert(0, new OperatorSetIdProto { Domain = "", Version = opset });
        model.IrVersion = Math.Max(model.IrVersion, MinimumIrVersion(opset));
        RemoveInitializerInputs(model.Graph);
    }

    /// <summary>
    /// Sets only the IR version of a graph that keeps its opset (a cut backbone): at least
    /// <see cref="MinimumIrVersion"/> of its default-domain opset, and at least 4 when an initializer is not listed
    /// among the graph inputs (IR 3 requires every initializer to be an input).
    /// </summary>
    public static void FixIrVersion(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long opset = model.OpsetImport.Where(o => IsDefaultDomain(o.Domain)).Select(o => o.Version).DefaultIfEmpty(0).Max();
        long minimum = opset > 0 ? MinimumIrVersion(opset) : 3;
        var inputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        if (model.Graph.Initializer.Any(t => !inputs.Contains(t.Name))) minimum = Math.Max(minimum, 4);
        model.IrVersion = Math.Max(model.IrVersion, minimum);
    }

    private static void RemoveInitializerInputs(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => initializers.Contains(i.Name)).ToArray()) graph.Input.Remove(input);
    }

    private static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";

    /// <summary>Rewrites the default-domain nodes of one graph from <c>source</c> opset to opset 13.</summary>
    private sealed class Rewriter(GraphProto graph, long source)
    {
        private readonly HashSet<string> _names = Names(graph);
        private ShapeInference? _shapes;

        public void Run()
        {
            var nodes = graph.Node.ToList();
            // shapes of the source graph, before any node is rewritten (only Softmax's rewrite needs them)
            if (nodes.Any(n => IsDefaultDomain(n.Domain) && n.OpType is "Softmax" or "LogSoftmax" or "Hardmax"))
                _shapes = ShapeInference.Run(new OnnxModel(ModelOf(graph.Clone(), source)));
            var rewritten = new List<NodeProto>(nodes.Count);
            foreach (var node in nodes)
            {
                if (!IsDefaultDomain(node.Domain)) { rewritten.Add(node); continue; }
                if (node.Attribute.Any(a => a.Type is AttributeProto.Types.AttributeType.Graph or AttributeProto.Types.AttributeType.Graphs))
                    throw Refuse(node, "its sub-graphs (control flow) are not upgraded");
                rewritten.AddRange(Rewrite(node));
            }
            graph.Node.Clear();
            graph.Node.Add(rewritten);
        }

        private IEnumerable<NodeProto> Rewrite(NodeProto node)
        {
            if (LegacyBroadcast.Contains(node.OpType) && (Has(node, "broadcast") || (Has(node, "axis") && node.OpType != "PRelu")))
                throw Refuse(node, "its 'broadcast'/'axis' attributes are the legacy (opset < 7) broadcasting, which has no exact opset-13 form");
            switch (node.OpType)
            {
                case "BatchNormalization": BatchNormalization(node); break;
                case "Dropout": Dropout(node); break;
                case "Squeeze" or "Unsqueeze" or "ReduceSum": AttributeToInput(node, "axes", 1, Int64Tensor); break;
                case "Split": AttributeToInput(node, "split", 1, Int64Tensor); break;
                case "Softmax" or "LogSoftmax" or "Hardmax": return Softmax(node);
                case "Clip" when source < 11: Clip(node); break;
                case "Pad" when source < 11: Pad(node); break;
                case "Slice" when source < 10: Slice(node); break;
                case "TopK" when source < 10: TopK(node); break;
                case "Reshape": AttributeToInput(node, "shape", 1, Int64Tensor); break;
                case "Clip" or "Pad" or "Slice" or "TopK": break;
                case "Upsample":
                    throw Refuse(node, "Upsample was removed in opset 10; its Resize replacement has different coordinate semantics");
                case "Resize":
                    throw Refuse(node, "Resize changed its coordinate and rounding semantics in opsets 11 and 13");
                default:
                    if (!Unchanged.Contains(node.OpType))
                        throw Refuse(node, "the library has no rule for upgrading this operator");
                    break;
            }
            return [node];
        }

        private void BatchNormalization(NodeProto node)
        {
            if (source < 9 && Attribute(node, "spatial") is { } spatial)
            {
                if (spatial.I != 1)
                    throw Refuse(node, "spatial = 0 (per-activation statistics) has no opset-13 form, which always normalises per channel");
                node.Attribute.Remove(spatial);
            }
            DropFlag(node, "is_test", "is_test = 0 (training mode) cannot be exported");
            if (Attribute(node, "consumed_inputs") is { } consumed) node.Attribute.Remove(consumed);
            if (node.Output.Skip(1).Any(o => o.Length > 0))
                throw Refuse(node, "it has training-mode outputs (running mean/variance, saved statistics), which an inference graph cannot carry");
            while (node.Output.Count > 1) node.Output.RemoveAt(node.Output.Count - 1);
        }

        private void Dropout(NodeProto node)
        {
            DropFlag(node, "is_test", "is_test = 0 (training mode) cannot be exported");
            if (source < 12 && Attribute(node, "ratio") is { } ratio)
            {
                node.Attribute.Remove(ratio);
                node.Input.Add(AddInitializer(node, "ratio", FloatScalar(ratio.F)));
            }
            if (node.Output.Count > 1 && node.Output[1].Length > 0)
            {
                // the mask was of the data's type before opset 10 and is bool since
                string mask = node.Output[1];
                bool read = graph.Node.Any(n => n.Input.Contains(mask)) || graph.Output.Any(o => o.Name == mask);
                if (read && source < 10)
                    throw Refuse(node, "its mask output is read, and the mask's type changed (to bool) in opset 10");
                if (!read) node.Output.RemoveAt(1);
            }
            foreach (var stale in graph.ValueInfo.Where(v => node.Output.Skip(1).Contains(v.Name)).ToArray()) graph.ValueInfo.Remove(stale);
        }

        private IEnumerable<NodeProto> Softmax(NodeProto node)
        {
            // before 13 the input is coerced to 2-D at `axis` (default 1) and normalised over the flattened trailing
            // dimensions; from 13 only `axis` (default -1) is normalised. The two agree when every dimension after
            // the axis is 1 (the axis is the last one, or trailing 1×1 dimensions); otherwise the old meaning is
            // rebuilt exactly: Flatten(axis) → op over the last axis → Reshape back to the input's shape.
            long axis = Attribute(node, "axis")?.I ?? 1;
            long[]? shape = _shapes?.ShapeOf(node.Input[0]);
            if (shape is not null)
            {
                long a = axis < 0 ? axis + shape.Length : axis;
                if (a >= 0 && a < shape.Length && shape.Skip((int)a + 1).All(d => d == 1))
                {
                    SetInt(node, "axis", a);
                    return [node];
                }
            }
            string x = node.Input[0], y = node.Output[0];
            string flat = Unique(y + "/opset13/flattened"), soft = Unique(y + "/opset13/normalised"), shapeOf = Unique(y + "/opset13/shape");
            var flatten = NewNode("Flatten", node.Name + "/opset13/flatten", [x], flat);
            SetInt(flatten, "axis", axis);
            var op = NewNode(node.OpType, node.Name.Length > 0 ? node.Name : y, [flat], soft);
            SetInt(op, "axis", -1);
            var shapeNode = NewNode("Shape", node.Name + "/opset13/shape", [x], shapeOf);
            var reshape = NewNode("Reshape", node.Name + "/opset13/reshape", [soft, shapeOf], y);
            return [flatten, op, shapeNode, reshape];
        }

        private void Clip(NodeProto node)
        {
            var min = Attribute(node, "min");
            var max = Attribute(node, "max");
            if (min is not null) node.Attribute.Remove(min);
            if (max is not null) node.Attribute.Remove(max);
            while (node.Input.Count > 1) node.Input.RemoveAt(node.Input.Count - 1);
            if (min is null && max is null) return;
            node.Input.Add(min is null ? "" : AddInitializer(node, "min", FloatScalar(min.F)));
            if (max is not null) node.Input.Add(AddInitializer(node, "max", FloatScalar(max.F)));
        }

        private void Pad(NodeProto node)
        {
            var pads = Attribute(node, "pads") ?? throw Refuse(node, "it has no 'pads' attribute");
            var value = Attribute(node, "value");
            node.Attribute.Remove(pads);
            if (value is not null) node.Attribute.Remove(value);
            node.Input.Add(AddInitializer(node, "pads", Int64Tensor(pads.Ints.ToArray())));
            if (value is not null && value.F != 0f) node.Input.Add(AddInitializer(node, "value", FloatScalar(value.F)));
        }

        private void Slice(NodeProto node)
        {
            var starts = Attribute(node, "starts") ?? throw Refuse(node, "it has no 'starts' attribute");
            var ends = Attribute(node, "ends") ?? throw Refuse(node, "it has no 'ends' attribute");
            var axes = Attribute(node, "axes");
            node.Attribute.Remove(starts);
            node.Attribute.Remove(ends);
            if (axes is not null) node.Attribute.Remove(axes);
            node.Input.Add(AddInitializer(node, "starts", Int64Tensor(starts.Ints.ToArray())));
            node.Input.Add(AddInitializer(node, "ends", Int64Tensor(ends.Ints.ToArray())));
            if (axes is not null) node.Input.Add(AddInitializer(node, "axes", Int64Tensor(axes.Ints.ToArray())));
        }

        private void TopK(NodeProto node)
        {
            var k = Attribute(node, "k") ?? throw Refuse(node, "it has no 'k' attribute");
            node.Attribute.Remove(k);
            node.Input.Add(AddInitializer(node, "k", Int64Tensor([k.I])));
        }

        /// <summary>Moves an ints attribute to an int64 1-D initializer input at <paramref name="index"/>.</summary>
        private void AttributeToInput(NodeProto node, string name, int index, Func<long[], TensorProto> tensor)
        {
            var attribute = Attribute(node, name);
            if (attribute is null) return;
            if (node.Input.Count > index)
                throw Refuse(node, $"it has both a '{name}' attribute and input {index}");
            node.Attribute.Remove(attribute);
            while (node.Input.Count < index) node.Input.Add("");
            node.Input.Add(AddInitializer(node, name, tensor(attribute.Ints.ToArray())));
        }

        private void DropFlag(NodeProto node, string name, string refusal)
        {
            if (Attribute(node, name) is not { } flag) return;
            if (flag.I == 0) throw Refuse(node, refusal);
            node.Attribute.Remove(flag);
        }

        private string AddInitializer(NodeProto node, string what, TensorProto tensor)
        {
            tensor.Name = Unique($"{(node.Name.Length > 0 ? node.Name : node.Output[0])}/opset13/{what}");
            graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        private string Unique(string name)
        {
            string candidate = name;
            for (int i = 2; !_names.Add(candidate); i++) candidate = $"{name}_{i}";
            return candidate;
        }

        private OnnxModelException Refuse(NodeProto node, string why) => new(
            $"Node '{node.Name}' ({node.OpType}, ai.onnx opset {source}) cannot be upgraded to opset {MinimumOpset}, which " +
            $"exported models declare: {why}. Re-export the backbone with opset {MinimumOpset} or later.",
            nodeName: node.Name, opType: node.OpType);

        private static ModelProto ModelOf(GraphProto graph, long opset)
        {
            var model = new ModelProto { IrVersion = MinimumIrVersion(opset), Graph = graph };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
            return model;
        }

        private static HashSet<string> Names(GraphProto graph)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in graph.Node) names.UnionWith(node.Output);
            names.UnionWith(graph.Initializer.Select(t => t.Name));
            names.UnionWith(graph.Input.Select(i => i.Name));
            return names;
        }

        private static NodeProto NewNode(string op, string name, string[] inputs, string output)
        {
            var node = new NodeProto { OpType = op, Name = name };
            node.Input.Add(inputs);
            node.Output.Add(output);
            return node;
        }

        private static void SetInt(NodeProto node, string name, long value)
        {
            if (Attribute(node, name) is { } existing) node.Attribute.Remove(existing);
            node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        }

        private static bool Has(NodeProto node, string name) => Attribute(node, name) is not null;

        private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

        private static TensorProto FloatScalar(float value) => new()
        {
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(LittleEndian(value)),
        };

        private static byte[] LittleEndian(float value)
        {
            byte[] raw = new byte[sizeof(float)];
            BinaryPrimitives.WriteSingleLittleEndian(raw, value);
            return raw;
        }

        private static TensorProto Int64Tensor(long[] values)
        {
            var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Dims.Add(values.Length);
            byte[] raw = new byte[values.Length * sizeof(long)];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
            tensor.RawData = ByteString.CopyFrom(raw);
            return tensor;
        }
    }
}
