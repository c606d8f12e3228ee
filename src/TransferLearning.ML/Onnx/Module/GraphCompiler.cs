using TorchSharp.Modules;
using TransferLearning.ML.Onnx.Module.Ops;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;
using ValueType = TransferLearning.ML.Onnx.Module.Ops.ValueType;

namespace TransferLearning.ML.Onnx.Module;

/// <summary>Turns a <see cref="ModelProto"/> into a <see cref="CompiledGraph"/>.</summary>
internal static class GraphCompiler
{
    public static CompiledGraph Compile(ModelProto model, OnnxModuleOptions options, OperatorRegistry registry)
    {
        GraphProto graph = model.Graph ?? throw new OnnxModuleException("The model has no graph.");
        var initializers = new Dictionary<string, TensorProto>();
        foreach (TensorProto t in graph.Initializer) initializers[t.Name] = t;

        string inputName = options.InputName ?? SingleInput(graph, initializers);
        if (!graph.Input.Any(i => i.Name == inputName))
            throw new OnnxModuleException(
                $"InputName '{inputName}' is not an input of the graph; its inputs are: {string.Join(", ", graph.Input.Select(i => i.Name))}.");
        initializers.Remove(inputName);
        string outputName = options.OutputName ?? SingleOutput(graph);

        var producers = new Dictionary<string, NodeProto>();
        foreach (NodeProto node in graph.Node)
            foreach (string output in node.Output)
                if (output.Length > 0) producers[output] = node;
        if (outputName != inputName && !producers.ContainsKey(outputName))
            throw new OnnxModuleException(
                $"OutputName '{outputName}' is not produced by any node of the graph; pass the name of a node output " +
                "(e.g. the output of GlobalAveragePool or the input of the first Gemm).");

        List<NodeProto> kept = Prune(graph, producers, outputName);
        List<NodeProto> sorted = TopologicalOrder(kept, inputName, initializers, graph);

        var constants = new Dictionary<string, TensorProto>(initializers);
        foreach (NodeProto node in sorted.Where(n => n.OpType == "Constant" && IsDefaultDomain(n.Domain)))
            constants[node.Output[0]] = ConstantValue(node);

        int defaultOpset = OpsetOf(model, OperatorRegistry.DefaultDomain);
        CheckOpsets(model, sorted);
        var types = new Dictionary<string, ValueType>();
        types[inputName] = InputType(graph, inputName);
        var parameters = new List<GraphParameter>();
        var derivedByNode = new Dictionary<NodeProto, List<int>>();
        var builds = new List<(NodeProto Node, IOnnxOperator Op, OperatorBuildContext Context)>();
        foreach (NodeProto node in sorted)
        {
            if (node.OpType == "Constant" && IsDefaultDomain(node.Domain)) continue;
            string domain = OperatorRegistry.NormaliseDomain(node.Domain);
            int opset = domain == OperatorRegistry.DefaultDomain ? defaultOpset : OpsetOf(model, domain);
            if (!registry.TryGet(domain, node.OpType, out OperatorFactory factory))
                throw new OnnxModuleException(
                    $"Node '{node.Name}' uses op '{(domain.Length > 0 ? domain + "." : "")}{node.OpType}' (opset {opset}), " +
                    "which OnnxModule does not implement. Cut the graph before it with OnnxModuleOptions.OutputName, " +
                    "or export the model with supported operators (see docs/onnx-module.md).");
            OperatorSpec spec = OperatorRegistry.SpecOf(domain, node.OpType);
            CheckAttributes(node, opset, spec);
            var inputTypes = new ValueType?[node.Input.Count];
            for (int i = 0; i < inputTypes.Length; i++)
            {
                string name = node.Input[i];
                if (name.Length == 0) continue;
                if (types.TryGetValue(name, out ValueType t)) inputTypes[i] = t;
                else if (constants.TryGetValue(name, out TensorProto? c)) inputTypes[i] = new ValueType((DataType)c.DataType, Rank: c.Dims.Count);
                else inputTypes[i] = new ValueType(DataType.Float); // a graph input without value: refused when assembled
            }
            var declared = new List<int>();
            var context = new OperatorBuildContext(node, opset, name => constants.GetValueOrDefault(name),
                (name, value, role) =>
                {
                    var parameter = new Parameter(value.to_type(ScalarType.Float32), requires_grad: true);
                    var declaredParameter = new GraphParameter(name, parameter, role, derived: true);
                    parameters.Add(declaredParameter);
                    declared.Add(parameters.Count - 1);
                    return declaredParameter;
                }) { InputTypes = inputTypes };
            IOnnxOperator op;
            ValueType outputType;
            try
            {
                op = factory(context);
                CheckRuntimeConstants(context, constants);
                outputType = spec.Types(new TypeCheck(context, inputTypes));
            }
            catch (OnnxModuleException) { throw; }
            catch (Exception e) when (e is NotSupportedException or InvalidDataException or IndexOutOfRangeException or ArgumentException)
            {
                throw new OnnxModuleException($"Node '{node.Name}' ({node.OpType}, opset {opset}) cannot be built: {e.Message}", e);
            }
            if (node.Output.Skip(1).Any(o => o.Length > 0 && kept.Any(k => k.Input.Contains(o)) || o == outputName))
                throw new OnnxModuleException(
                    $"Node '{node.Name}' ({node.OpType}, opset {opset}): only its first output is implemented, but a later node reads another.");
            types[node.Output[0]] = outputType;
            derivedByNode[node] = declared;
            builds.Add((node, op, context));
        }

        if (types.TryGetValue(outputName, out ValueType outputValue) && outputValue.IsQuantized)
            throw new OnnxModuleException(
                $"Node '{producers[outputName].Name}' ({producers[outputName].OpType}) computes the module output '{outputName}', a {outputValue}: ONNX defines it as {OnnxTypeNames.Of(outputValue.Type)} integers, but the module " +
                "would return dequantised floats. Add a DequantizeLinear after it (GraphSurgery.CutAt does) or choose a float tensor as OutputName.");

        CompiledGraph compiled = Assemble(builds, derivedByNode, parameters, initializers, constants, producers, inputName, outputName, sorted);
        compiled.InputType = types[inputName];
        return compiled;
    }

    private static CompiledGraph Assemble(
        List<(NodeProto Node, IOnnxOperator Op, OperatorBuildContext Context)> builds,
        Dictionary<NodeProto, List<int>> derivedByNode, List<GraphParameter> parameters,
        Dictionary<string, TensorProto> initializers, Dictionary<string, TensorProto> constants,
        Dictionary<string, NodeProto> producers, string inputName, string outputName, List<NodeProto> sorted)
    {
        var slotNames = new List<string>();
        var slotKinds = new List<SlotKind>();
        var slotByName = new Dictionary<string, int>();
        var buffers = new List<GraphBuffer>();
        var parameterBySlot = new Dictionary<int, int>();

        // the role an initializer plays is the first specific role any consumer gives it
        var roles = new Dictionary<string, ParameterRole>();
        foreach (var (node, _, context) in builds)
            for (int i = 0; i < node.Input.Count; i++)
                if (context.HasInput(i) && !context.StaticInputs[i] && context.InputRoles[i] != ParameterRole.Other)
                    roles.TryAdd(node.Input[i], context.InputRoles[i]);
        HashSet<string> trainable = TrainableInitializers(builds, roles, initializers, producers);

        int Slot(string name, SlotKind kind)
        {
            if (slotByName.TryGetValue(name, out int existing)) return existing;
            slotNames.Add(name);
            slotKinds.Add(kind);
            return slotByName[name] = slotNames.Count - 1;
        }

        int inputSlot = Slot(inputName, SlotKind.Input);
        var nodes = new List<CompiledNode>();
        foreach (var (node, op, context) in builds)
        {
            var inputs = new int[node.Input.Count];
            for (int i = 0; i < inputs.Length; i++)
            {
                string name = node.Input[i];
                if (name.Length == 0 || context.StaticInputs[i]) { inputs[i] = -1; continue; }
                if (name == inputName || producers.ContainsKey(name) && !constants.ContainsKey(name))
                {
                    inputs[i] = slotByName.TryGetValue(name, out int s) ? s : throw new OnnxModuleException(
                        $"Node '{node.Name}' ({node.OpType}) reads '{name}' before any node computes it; the graph is not a DAG.");
                    continue;
                }
                if (slotByName.TryGetValue(name, out int known)) { inputs[i] = known; continue; }
                if (!constants.TryGetValue(name, out TensorProto? value))
                    throw new OnnxModuleException(
                        $"Node '{node.Name}' ({node.OpType}) reads graph input '{name}', which has no initializer and is " +
                        $"not the module's input '{inputName}'. Give it a value (an initializer) or pass it as OnnxModuleOptions.InputName.");
                ParameterRole role = roles.GetValueOrDefault(name);
                Tensor tensor = TensorData.ToTorch(value);
                if (tensor.is_floating_point() && tensor.dtype != ScalarType.Float32) tensor = tensor.to_type(ScalarType.Float32);
                if (trainable.Contains(name) && TensorData.IsFloatingPoint(value))
                {
                    int slot = Slot(name, SlotKind.Parameter);
                    parameters.Add(new GraphParameter(name, new Parameter(tensor, requires_grad: true), role, derived: false) { Slot = slot });
                    parameterBySlot[slot] = parameters.Count - 1;
                    inputs[i] = slot;
                }
                else
                {
                    bool isConstant = role is not (ParameterRole.RunningMean or ParameterRole.RunningVariance);
                    int slot = Slot(name, isConstant ? SlotKind.Constant : SlotKind.Buffer);
                    buffers.Add(new GraphBuffer(name, tensor, role, isConstant, slot));
                    inputs[i] = slot;
                }
            }
            int output = Slot(node.Output[0], SlotKind.Computed);
            nodes.Add(new CompiledNode(node, op, inputs, output));
        }

        int outputSlot = slotByName.TryGetValue(outputName, out int o) ? o
            : throw new OnnxModuleException($"OutputName '{outputName}' is a constant, not a computed tensor.");

        // preamble: nodes that read no computed value, and the nodes fed only by them
        var preambleSlots = new HashSet<int>();
        var preamble = new List<CompiledNode>();
        var main = new List<CompiledNode>();
        var slotParameters = new Dictionary<int, HashSet<int>>();
        foreach (CompiledNode node in nodes)
        {
            var used = new HashSet<int>(derivedByNode[node.Proto]);
            bool constantOnly = true;
            foreach (int s in node.Inputs)
            {
                if (s < 0) continue;
                if (parameterBySlot.TryGetValue(s, out int p)) used.Add(p);
                if (slotParameters.TryGetValue(s, out var via)) used.UnionWith(via);
                if (slotKinds[s] is SlotKind.Input || slotKinds[s] == SlotKind.Computed && !preambleSlots.Contains(s)) constantOnly = false;
            }
            node.ParameterIndices = used.Order().ToArray();
            if (constantOnly && node.Output != outputSlot)
            {
                preamble.Add(node);
                preambleSlots.Add(node.Output);
                slotParameters[node.Output] = used;
            }
            else main.Add(node);
        }
        foreach (GraphParameter p in parameters.Where(p => p.Derived)) p.Slot = -1;

        CompiledNode[] ordered = [.. preamble, .. main];
        AssignReleases(ordered, slotKinds, preambleSlots, outputSlot);
        return new CompiledGraph
        {
            Nodes = ordered,
            PreambleCount = preamble.Count,
            SlotNames = slotNames.ToArray(),
            SlotKinds = slotKinds.ToArray(),
            InputSlot = inputSlot,
            OutputSlot = outputSlot,
            InputName = inputName,
            OutputName = outputName,
            Parameters = parameters,
            Buffers = buffers,
            KeptNodes = sorted,
        };
    }

    /// <summary>The roles that make an initializer a trained weight or bias.</summary>
    private static bool IsWeightRole(ParameterRole role) => role is ParameterRole.ConvWeight or ParameterRole.LinearWeight
        or ParameterRole.LinearWeightTransposed or ParameterRole.Bias or ParameterRole.NormScale or ParameterRole.NormBias;

    /// <summary>Operators that pass a weight on unchanged but for its layout (torch.onnx's shared-weight Identity, a reshaped bias).</summary>
    private static readonly HashSet<string> LayoutOnly = new(StringComparer.Ordinal)
    {
        "Identity", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten",
    };

    /// <summary>
    /// The initializers that train: those a parameterised operator reads as a weight or bias (Conv weight and bias,
    /// Gemm B and C, a constant MatMul operand, BatchNormalization scale and bias), directly or through layout-only
    /// nodes, and the bias added to a MatMul with a constant weight (Keras Dense, torch Linear on 3-d input).
    /// Every other initializer (scalars feeding Mul/Add/Div, normalisation constants inside the graph, running
    /// statistics) stays a constant. Fills in the Bias role of such MatMul biases.
    /// </summary>
    private static HashSet<string> TrainableInitializers(
        List<(NodeProto Node, IOnnxOperator Op, OperatorBuildContext Context)> builds, Dictionary<string, ParameterRole> roles,
        Dictionary<string, TensorProto> initializers, Dictionary<string, NodeProto> producers)
    {
        var trainable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, _, context) in builds)
            for (int i = 0; i < node.Input.Count; i++)
                if (context.HasInput(i) && !context.StaticInputs[i] && IsWeightRole(context.InputRoles[i]))
                    trainable.Add(node.Input[i]);
        ThroughLayoutNodes(builds, trainable);
        // initializers and their layout-only copies: a MatMul reading one of them as a weight is a dense layer
        var weights = new HashSet<string>(initializers.Keys, StringComparer.Ordinal);
        foreach (var (node, _, _) in builds)
            if (LayoutOnly.Contains(node.OpType) && node.Input.Count > 0 && weights.Contains(node.Input[0])) weights.Add(node.Output[0]);
        foreach (var (node, _, _) in builds)
        {
            if (node.OpType != "Add" || node.Input.Count != 2) continue;
            for (int i = 0; i < 2; i++)
            {
                string bias = node.Input[i], other = node.Input[1 - i];
                if (initializers.ContainsKey(bias) && !weights.Contains(other)
                    && producers.TryGetValue(other, out NodeProto? producer) && producer.OpType == "MatMul"
                    && producer.Input.Any(n => trainable.Contains(n) && weights.Contains(n)))
                {
                    trainable.Add(bias);
                    roles.TryAdd(bias, ParameterRole.Bias);
                }
            }
        }
        ThroughLayoutNodes(builds, trainable);
        trainable.IntersectWith(initializers.Keys);
        return trainable;
    }

    /// <summary>Marks the source of a layout-only node whose output trains as trainable too (last nodes first).</summary>
    private static void ThroughLayoutNodes(List<(NodeProto Node, IOnnxOperator Op, OperatorBuildContext Context)> builds, HashSet<string> trainable)
    {
        for (int n = builds.Count - 1; n >= 0; n--)
        {
            NodeProto node = builds[n].Node;
            if (LayoutOnly.Contains(node.OpType) && node.Input.Count > 0 && trainable.Contains(node.Output[0])
                && !builds[n].Context.StaticInputs[0])
                trainable.Add(node.Input[0]);
        }
    }

    /// <summary>
    /// Operators whose output never shares storage with another live tensor (unlike Reshape, Slice or Identity,
    /// which return views): a tensor may be overwritten in place by its last reader only when it was produced by
    /// such an operator and every reader is one too, so no view of it can outlive that last reader.
    /// </summary>
    private static readonly HashSet<string> FreshOutput = new(StringComparer.Ordinal)
    {
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Add", "Sub", "Mul", "Div", "Sum", "Concat", "MaxPool",
        "AveragePool", "GlobalAveragePool", "Relu", "Clip", "Sigmoid", "LeakyRelu", "HardSigmoid", "HardSwish",
        "QLinearConv", "QLinearAdd", "QLinearMatMul", "QLinearGlobalAveragePool", "QuantizeLinear",
    };

    /// <summary>Each computed slot is released after its last reader; preamble outputs live for the whole pass.</summary>
    private static void AssignReleases(CompiledNode[] nodes, List<SlotKind> kinds, HashSet<int> preambleSlots, int outputSlot)
    {
        var producers = new Dictionary<int, CompiledNode>();
        foreach (CompiledNode node in nodes) producers[node.Output] = node;
        var lastUse = new Dictionary<int, int>();
        var readers = new Dictionary<int, List<CompiledNode>>();
        for (int n = 0; n < nodes.Length; n++)
            foreach (int s in nodes[n].Inputs)
            {
                if (s < 0) continue;
                (readers.TryGetValue(s, out var list) ? list : readers[s] = []).Add(nodes[n]);
                if (kinds[s] == SlotKind.Computed && !preambleSlots.Contains(s)) lastUse[s] = n;
            }
        var releases = new List<int>[nodes.Length];
        foreach (var (slot, n) in lastUse)
            if (slot != outputSlot) (releases[n] ??= []).Add(slot);
        for (int n = 0; n < nodes.Length; n++)
        {
            // a computed value nobody reads (an unused output of a kept node) is released at once
            bool read = lastUse.ContainsKey(nodes[n].Output) || nodes[n].Output == outputSlot || preambleSlots.Contains(nodes[n].Output);
            if (!read) (releases[n] ??= []).Add(nodes[n].Output);
            nodes[n].Release = releases[n]?.ToArray() ?? [];
            int first = nodes[n].Inputs.Length > 0 ? nodes[n].Inputs[0] : -1;
            nodes[n].LastReaderOfFirstInput = first >= 0 && nodes[n].Release.Contains(first)
                && nodes[n].Inputs.Count(s => s == first) == 1
                && producers.TryGetValue(first, out CompiledNode? producer) && FreshOutput.Contains(producer.Proto.OpType)
                && readers[first].All(reader => FreshOutput.Contains(reader.Proto.OpType));
        }
    }

    private static List<NodeProto> Prune(GraphProto graph, Dictionary<string, NodeProto> producers, string outputName)
    {
        var needed = new HashSet<NodeProto>();
        var pending = new Stack<string>();
        pending.Push(outputName);
        var seen = new HashSet<string>();
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (!seen.Add(name) || !producers.TryGetValue(name, out NodeProto? node) || !needed.Add(node)) continue;
            foreach (string input in node.Input)
                if (input.Length > 0) pending.Push(input);
        }
        return graph.Node.Where(needed.Contains).ToList();
    }

    /// <summary>Kahn's algorithm, keeping the source order among ready nodes (exporters usually sort already).</summary>
    private static List<NodeProto> TopologicalOrder(List<NodeProto> nodes, string inputName,
        Dictionary<string, TensorProto> initializers, GraphProto graph)
    {
        var available = new HashSet<string>(initializers.Keys) { inputName, "" };
        foreach (ValueInfoProto input in graph.Input) available.Add(input.Name);
        var result = new List<NodeProto>(nodes.Count);
        var remaining = new List<NodeProto>(nodes);
        while (remaining.Count > 0)
        {
            int before = remaining.Count;
            remaining.RemoveAll(node =>
            {
                if (!node.Input.All(available.Contains)) return false;
                result.Add(node);
                foreach (string o in node.Output) available.Add(o);
                return true;
            });
            if (remaining.Count == before)
            {
                NodeProto stuck = remaining[0];
                string missing = stuck.Input.First(i => !available.Contains(i));
                throw new OnnxModuleException(
                    $"Node '{stuck.Name}' ({stuck.OpType}) reads '{missing}', which no node, initializer or graph input provides (or the graph has a cycle).");
            }
        }
        return result;
    }

    /// <summary>The default domain's opset must be one the registry knows; com.microsoft has only version 1.</summary>
    private static void CheckOpsets(ModelProto model, List<NodeProto> nodes)
    {
        bool usesDefault = nodes.Any(n => IsDefaultDomain(n.Domain));
        bool importsDefault = model.OpsetImport.Any(o => IsDefaultDomain(o.Domain));
        if (usesDefault && !importsDefault)
            throw new OnnxModuleException(
                "The model uses ONNX operators but does not import the default domain (opset_import has no \"\" or \"ai.onnx\" entry); " +
                "re-export it, or add the opset it was written for.");
        int opset = OpsetOf(model, OperatorRegistry.DefaultDomain);
        if (usesDefault && opset is < OperatorRegistry.MinDefaultOpset or > OperatorRegistry.MaxDefaultOpset)
            throw new OnnxModuleException(
                $"The model imports ONNX opset {opset}, but OnnxModule implements opsets {OperatorRegistry.MinDefaultOpset} to " +
                $"{OperatorRegistry.MaxDefaultOpset} (the newest ONNX Runtime 1.31 runs); re-export the model at an opset in that range.");
        if (nodes.Any(n => n.Domain == OperatorRegistry.MicrosoftDomain))
        {
            int ms = OpsetOf(model, OperatorRegistry.MicrosoftDomain);
            if (ms != OperatorRegistry.MicrosoftOpset)
                throw new OnnxModuleException(
                    $"The model imports com.microsoft opset {ms}, but only version {OperatorRegistry.MicrosoftOpset} exists; fix its opset_import.");
        }
    }

    /// <summary>Refuses a node whose opset the operator does not implement, or that has an attribute it would ignore.</summary>
    private static void CheckAttributes(NodeProto node, int opset, OperatorSpec spec)
    {
        string where = $"Node '{node.Name}' ({node.OpType}, opset {opset})";
        if (opset < spec.MinOpset)
            throw new OnnxModuleException(
                $"{where}: OnnxModule implements {node.OpType} from opset {spec.MinOpset} (older versions have other semantics); " +
                $"re-export the model at opset {spec.MinOpset} or later.");
        foreach (AttributeProto a in node.Attribute)
        {
            if (spec.Legacy.TryGetValue(a.Name, out string? reason))
                throw new OnnxModuleException($"{where}: attribute '{a.Name}': {reason}.");
            if (!spec.Attributes.Contains(a.Name))
                throw new OnnxModuleException(
                    $"{where}: attribute '{a.Name}' is not one OnnxModule implements for {node.OpType} " +
                    $"({(spec.Attributes.Length == 0 ? "it takes none" : string.Join(", ", spec.Attributes))}); it would be ignored and the result " +
                    "could differ from ONNX Runtime. Remove the attribute, or cut the graph before this node (OnnxModuleOptions.OutputName).");
        }
    }

    /// <summary>Constants read at run time become module tensors: only the element types the module computes with.</summary>
    private static void CheckRuntimeConstants(OperatorBuildContext context, Dictionary<string, TensorProto> constants)
    {
        NodeProto node = context.Node;
        for (int i = 0; i < node.Input.Count; i++)
        {
            if (!context.HasInput(i) || context.StaticInputs[i] || !constants.TryGetValue(node.Input[i], out TensorProto? value)) continue;
            var type = (DataType)value.DataType;
            if (type is DataType.Float or DataType.Int8 or DataType.Uint8 or DataType.Int32 or DataType.Int64 or DataType.Bool) continue;
            string remedy = type is DataType.Double or DataType.Float16 or DataType.Bfloat16
                ? "OnnxModule keeps float tensors in FLOAT (float32); convert the model's weights to FLOAT"
                : "OnnxModule computes with FLOAT, INT8, UINT8, INT32, INT64 and BOOL tensors; convert it to one of those";
            throw context.Error($"input {i}, constant '{node.Input[i]}', is {OnnxTypeNames.Of(type)}; {remedy}");
        }
    }

    /// <summary>The module input's declared element type (FLOAT when undeclared) and rank.</summary>
    private static ValueType InputType(GraphProto graph, string inputName)
    {
        ValueInfoProto? info = graph.Input.FirstOrDefault(i => i.Name == inputName);
        var tensor = info?.Type?.TensorType;
        var type = tensor is null || tensor.ElemType == 0 ? DataType.Float : (DataType)tensor.ElemType;
        // a type libtorch has: each operator's type rule decides whether it computes with it
        if (type is not (DataType.Float or DataType.Double or DataType.Float16 or DataType.Int8 or DataType.Uint8 or DataType.Int16
            or DataType.Int32 or DataType.Int64 or DataType.Bool))
            throw new OnnxModuleException(
                $"The module input '{inputName}' is {OnnxTypeNames.Of(type)}, which a TorchSharp tensor cannot hold; OnnxModule reads FLOAT, " +
                "DOUBLE, FLOAT16, INT8, UINT8, INT16, INT32, INT64 or BOOL inputs. Re-export the model with a FLOAT input.");
        return new ValueType(type, Rank: tensor?.Shape is { } s ? s.Dim.Count : null);
    }

    private static TensorProto ConstantValue(NodeProto node)
    {
        foreach (AttributeProto a in node.Attribute)
        {
            var t = new TensorProto { Name = node.Output[0] };
            switch (a.Name)
            {
                case "value": return a.T;
                case "value_float": t.DataType = (int)TensorProto.Types.DataType.Float; t.FloatData.Add(a.F); return t;
                case "value_floats": t.DataType = (int)TensorProto.Types.DataType.Float; t.Dims.Add(a.Floats.Count); t.FloatData.Add(a.Floats); return t;
                case "value_int": t.DataType = (int)TensorProto.Types.DataType.Int64; t.Int64Data.Add(a.I); return t;
                case "value_ints": t.DataType = (int)TensorProto.Types.DataType.Int64; t.Dims.Add(a.Ints.Count); t.Int64Data.Add(a.Ints); return t;
            }
        }
        throw new OnnxModuleException($"Constant node '{node.Name}' has no value attribute OnnxModule can read (value, value_float(s), value_int(s)).");
    }

    private static string SingleInput(GraphProto graph, Dictionary<string, TensorProto> initializers)
    {
        var candidates = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (candidates.Count == 1) return candidates[0].Name;
        // graph-only exports list their parameters as inputs too: prefer the one with a dynamic (batch) dimension
        var dynamic = candidates.Where(i => i.Type?.TensorType?.Shape?.Dim.FirstOrDefault()?.DimParam is { Length: > 0 }).ToList();
        if (dynamic.Count == 1) return dynamic[0].Name;
        throw new OnnxModuleException(
            $"The graph has {candidates.Count} inputs without initializers ({string.Join(", ", candidates.Take(5).Select(i => i.Name))}" +
            $"{(candidates.Count > 5 ? ", ..." : "")}); pass the image input as OnnxModuleOptions.InputName.");
    }

    private static string SingleOutput(GraphProto graph) => graph.Output.Count == 1
        ? graph.Output[0].Name
        : throw new OnnxModuleException(
            $"The graph has {graph.Output.Count} outputs ({string.Join(", ", graph.Output.Select(o => o.Name))}); choose one with OnnxModuleOptions.OutputName.");

    private static bool IsDefaultDomain(string domain) => OperatorRegistry.NormaliseDomain(domain) == OperatorRegistry.DefaultDomain;

    private static int OpsetOf(ModelProto model, string domain)
    {
        foreach (OperatorSetIdProto opset in model.OpsetImport)
            if (OperatorRegistry.NormaliseDomain(opset.Domain) == domain) return (int)opset.Version;
        return 1; // an operator set the model does not import: its first version
    }
}
