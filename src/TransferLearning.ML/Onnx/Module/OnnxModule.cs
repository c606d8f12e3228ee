using System.Text;
using TorchSharp.Modules;
using TransferLearning.ML.Onnx.Module.Ops;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module;

/// <summary>
/// An ONNX CNN executed as a trainable TorchSharp module: the weights and biases of its parameterised layers
/// (Conv, Gemm, MatMul with a constant operand, BatchNormalization scale and bias) are named
/// <see cref="Parameter"/>s, every other initializer (running statistics, scalars and normalisation constants
/// feeding Add/Mul/Div, shapes) a buffer that never trains; the graph runs node by node with libtorch operators, and gradients flow end to end.
/// Use it to fine-tune a pretrained ONNX backbone (unfreeze its last <see cref="Blocks"/>), to train the same
/// architecture from scratch (<see cref="ReinitializeParameters"/>), and write the result back as ONNX
/// (<see cref="ToOnnx"/>). See docs/onnx-module.md for the supported operators.
/// </summary>
/// <remarks>
/// <c>train()</c>/<c>eval()</c> switch Dropout, and BatchNormalization when
/// <see cref="OnnxModuleOptions.TrainBatchNormStatistics"/> is set. Intermediate tensors are disposed right after
/// their last reader ran, so a forward pass holds only the tensors still needed. Not thread-safe: one forward at a
/// time per instance.
/// </remarks>
public sealed partial class OnnxModule : nn.Module<Tensor, Tensor>
{
    private readonly ModelProto _source;
    private readonly OnnxModuleOptions _options;
    private readonly CompiledGraph _graph;
    private readonly Dictionary<string, GraphParameter> _parametersByOnnxName = new();
    private readonly IReadOnlyList<ModuleBlock> _blocks;
    private int _noGradEnd;

    private OnnxModule(ModelProto source, OnnxModuleOptions options, CompiledGraph graph) : base(nameof(OnnxModule))
    {
        _source = source;
        _options = options;
        _graph = graph;
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (GraphParameter p in graph.Parameters)
        {
            p.RegisteredName = UniqueName(p.OnnxName, used);
            register_parameter(p.RegisteredName, p.Value);
            _parametersByOnnxName[p.OnnxName] = p;
        }
        foreach (GraphBuffer b in graph.Buffers)
        {
            b.RegisteredName = UniqueName(b.OnnxName, used);
            // constants are persistent too: TorchSharp moves only persistent buffers in to(device/dtype)
            register_buffer(b.RegisteredName, b.Value, persistent: true);
        }
        _blocks = BlockPartition.Build(graph);
        _noGradEnd = graph.PreambleCount;
    }

    /// <summary>
    /// Builds the module from an ONNX model. The model must carry its weights as initializers (external data
    /// already resolved).
    /// </summary>
    /// <param name="model">The ONNX model; it is copied, later changes to it do not affect the module.</param>
    /// <param name="options">Input, output and batch-normalisation choices; default <c>null</c> = all defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="OnnxModuleException">A node uses an operator, opset, attribute, element type or rank the module
    /// does not compute exactly as ONNX defines it (the message names the node, the operator, the opset and what to
    /// do; see docs/onnx-module.md), the input or output name does not exist, or a graph input other than the module
    /// input has no initializer.</exception>
    internal static OnnxModule FromModel(ModelProto model, OnnxModuleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new OnnxModuleOptions();
        ModelProto copy = model.Clone();
        CompiledGraph graph = GraphCompiler.Compile(copy, options, OperatorRegistry.Default);
        return new OnnxModule(copy, options, graph);
    }

    /// <summary>Builds the module from the bytes of an .onnx file (weights inline).</summary>
    /// <param name="onnxBytes">The serialised ModelProto.</param>
    /// <param name="options">Input, output and batch-normalisation choices; default <c>null</c> = all defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="onnxBytes"/> is null.</exception>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model.</exception>
    /// <exception cref="OnnxModuleException">As for <see cref="FromModel"/>.</exception>
    public static OnnxModule FromBytes(byte[] onnxBytes, OnnxModuleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onnxBytes);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(onnxBytes); }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"The {onnxBytes.Length} bytes given are not an ONNX model: {e.Message}", e);
        }
        return FromModel(model, options);
    }

    /// <summary>Builds the module from an .onnx file whose weights are inline (no external data files).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Input, output and batch-normalisation choices; default <c>null</c> = all defaults.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
    /// <exception cref="OnnxModuleException">As for <see cref="FromModel"/>.</exception>
    public static OnnxModule FromFile(string path, OnnxModuleOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model '{path}' does not exist.", path);
        try { return FromBytes(File.ReadAllBytes(path), options); }
        catch (InvalidDataException e) { throw new InvalidDataException($"'{path}': {e.Message}", e); }
    }

    /// <summary>The graph input the module reads.</summary>
    public string InputName => _graph.InputName;

    /// <summary>The tensor the module returns.</summary>
    public string OutputName => _graph.OutputName;

    /// <summary>The options the module was built with.</summary>
    public OnnxModuleOptions Options => _options;

    /// <summary>The ONNX name of every parameter, keyed by the name it is registered under (ONNX names may contain
    /// characters TorchSharp does not allow, such as '.' and '/').</summary>
    public IReadOnlyDictionary<string, string> OnnxNames =>
        _graph.Parameters.ToDictionary(p => p.RegisteredName, p => p.OnnxName);

    /// <summary>The parameter holding the ONNX initializer <paramref name="onnxName"/>.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that ONNX name.</exception>
    public Parameter ParameterOf(string onnxName) => _parametersByOnnxName.TryGetValue(onnxName, out GraphParameter? p)
        ? p.Value
        : throw new KeyNotFoundException($"The module has no parameter for ONNX initializer '{onnxName}'.");

    /// <summary>Runs the graph from <see cref="InputName"/> to <see cref="OutputName"/>.</summary>
    /// <exception cref="OnnxModuleException">The input's type is not the one the graph declares (a float input must
    /// have the module's float type), or a node failed; the message names it.</exception>
    public override Tensor forward(Tensor input) => Execute(input, null, false, out _);

    /// <summary>
    /// Runs the graph from the first node of block <paramref name="block"/> to <see cref="OutputName"/>, given the
    /// output of block <c>block - 1</c> (<see cref="ModuleBlock.OutputName"/>): the part of the network after an
    /// exact single-tensor cut, for a caller that computed the blocks before it elsewhere (ONNX Runtime). Block
    /// <see cref="Blocks"/><c>.Count</c> runs nothing and returns the boundary. Only valid where
    /// <see cref="CanStartAt"/> holds. Under no_grad the module may overwrite <paramref name="boundary"/> in place.
    /// </summary>
    internal Tensor ForwardFromBlock(int block, Tensor boundary)
    {
        if (CanStartAt(block) is { } reason) throw new InvalidOperationException(reason);
        ArgumentNullException.ThrowIfNull(boundary);
        return Execute(boundary, null, false, out _, startBlock: block);
    }

    /// <summary>
    /// Runs the graph from <see cref="InputName"/> to the end of block <c>block - 1</c> and returns its output (the
    /// boundary that <see cref="ForwardFromBlock"/> takes): the part of the network before an exact single-tensor cut.
    /// Only valid where <see cref="CanStartAt"/> holds.
    /// </summary>
    internal Tensor ForwardToBlock(int block, Tensor input)
    {
        if (CanStartAt(block) is { } reason) throw new InvalidOperationException(reason);
        return Execute(input, null, false, out _, endBlock: block);
    }

    /// <summary>
    /// Null when the graph from block <paramref name="block"/> on reads nothing computed before it but the output
    /// of block <c>block - 1</c> (parameters, constants and the preamble aside), so that
    /// <see cref="ForwardFromBlock"/> computes exactly what <see cref="forward"/> does; else why not.
    /// </summary>
    internal string? CanStartAt(int block)
    {
        if (block < 1 || block > _blocks.Count)
            return $"block {block} is not a block after the first (the module has {_blocks.Count} blocks)";
        int start = _blocks[block - 1].EndNode;
        int boundary = _graph.SlotOf(_blocks[block - 1].OutputName);
        if (boundary < 0) return $"the output of block {block - 1} ('{_blocks[block - 1].OutputName}') is not a tensor of the graph";
        var producer = new int[_graph.SlotCount];
        Array.Fill(producer, -1);
        for (int n = 0; n < _graph.Nodes.Length; n++) producer[_graph.Nodes[n].Output] = n;
        bool Crosses(int s) => s >= 0 && s != boundary && _graph.SlotKinds[s] is SlotKind.Input or SlotKind.Computed
                               && (producer[s] < 0 || producer[s] >= _graph.PreambleCount && producer[s] < start);
        for (int n = start; n < _graph.Nodes.Length; n++)
            foreach (int s in _graph.Nodes[n].Inputs)
                if (Crosses(s))
                    return $"node '{_graph.Nodes[n].Proto.Name}' of block {block} or later reads '{_graph.SlotNames[s]}', computed before " +
                           $"the boundary '{_blocks[block - 1].OutputName}': the network does not narrow to one tensor there";
        if (Crosses(_graph.OutputSlot)) return $"the output '{OutputName}' is computed before block {block}";
        return null;
    }

    /// <summary>The ONNX operator types of the nodes of blocks 0 to <paramref name="blocks"/> - 1.</summary>
    internal IEnumerable<string> OperatorsOfFirstBlocks(int blocks)
    {
        int end = blocks == 0 ? _graph.PreambleCount : _blocks[blocks - 1].EndNode;
        for (int n = _graph.PreambleCount; n < end; n++) yield return _graph.Nodes[n].Proto.OpType;
    }

    /// <summary>
    /// Runs the graph and also returns intermediate tensors, e.g. the activations of a convolution for Grad-CAM.
    /// </summary>
    /// <param name="input">The input batch.</param>
    /// <param name="extraOutputs">Names of tensors the graph computes.</param>
    /// <param name="extras">The requested tensors by name. The caller owns (and disposes) them.</param>
    /// <param name="extrasAsGradientLeaves">When true (default false), each requested tensor is detached and made a
    /// leaf that requires grad before the rest of the graph reads it, so after <c>backward()</c> its <c>grad</c>
    /// holds d(output)/d(tensor) even when the layers before it are frozen.</param>
    /// <returns>The module's output.</returns>
    /// <exception cref="OnnxModuleException">A name is not a tensor the module computes.</exception>
    public Tensor Forward(Tensor input, IReadOnlyList<string> extraOutputs, out IReadOnlyDictionary<string, Tensor> extras,
        bool extrasAsGradientLeaves = false)
    {
        ArgumentNullException.ThrowIfNull(extraOutputs);
        var slots = new int[extraOutputs.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            int slot = _graph.SlotOf(extraOutputs[i]);
            if (slot < 0 || _graph.SlotKinds[slot] is not (SlotKind.Computed or SlotKind.Input))
                throw new OnnxModuleException(
                    $"'{extraOutputs[i]}' is not a tensor the module computes between '{InputName}' and '{OutputName}'.");
            slots[i] = slot;
        }
        Tensor output = Execute(input, slots, extrasAsGradientLeaves, out Tensor?[] values);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < slots.Length; i++)
            result[extraOutputs[i]] = values[slots[i]]!;
        extras = result;
        return output;
    }

    private Tensor Execute(Tensor input, int[]? extraSlots, bool extrasAsLeaves, out Tensor?[] values, int startBlock = 0, int endBlock = 0)
    {
        if (startBlock == 0) CheckInputType(input);
        CompiledNode[] nodes = _graph.Nodes;
        // to a block's end (ForwardToBlock): the nodes up to it, and its output as the result
        int endNode = endBlock == 0 ? nodes.Length : _blocks[endBlock - 1].EndNode;
        int outputSlot = endBlock == 0 ? _graph.OutputSlot : _graph.SlotOf(_blocks[endBlock - 1].OutputName);
        values = new Tensor?[_graph.SlotCount];
        foreach (GraphParameter p in _graph.Parameters)
            if (p.Slot >= 0) values[p.Slot] = p.Value;
        foreach (GraphBuffer b in _graph.Buffers) values[b.Slot] = b.Value;
        // from a later block: the preamble, then the nodes after the boundary, which reads the caller's tensor (an
        // alias, which the executor releases like any computed tensor)
        int mainStart = startBlock == 0 ? _graph.PreambleCount : _blocks[startBlock - 1].EndNode;
        if (startBlock == 0) values[_graph.InputSlot] = input;
        else values[_graph.SlotOf(_blocks[startBlock - 1].OutputName)] = input.alias();

        bool[]? keep = null;
        int noGradEnd = _noGradEnd;
        if (extraSlots is { Length: > 0 })
        {
            keep = new bool[_graph.SlotCount];
            foreach (int s in extraSlots)
            {
                keep[s] = true;
                if (extrasAsLeaves) noGradEnd = Math.Min(noGradEnd, ProducerIndex(s) + 1);
            }
        }
        if (extrasAsLeaves && keep is not null && keep[_graph.InputSlot])
            values[_graph.InputSlot] = input.detach().requires_grad_(true);

        var context = new OperatorRunContext(training, _options.TrainBatchNormStatistics);
        OperatorRunContext overwriting = context with { MayOverwriteInput = true };
        IDisposable? noGrad = null;
        int n = 0;
        try
        {
            for (; n < endNode; n++)
            {
                if (n == _graph.PreambleCount && mainStart > n && (n = mainStart) >= nodes.Length) break;
                if (n == mainStart && noGradEnd > n && is_grad_enabled()) noGrad = no_grad();
                if (n == noGradEnd && noGrad is not null) { noGrad.Dispose(); noGrad = null; }
                CompiledNode node = nodes[n];
                bool overwrite = node.LastReaderOfFirstInput && (keep is null || !keep[node.Inputs[0]]) && !is_grad_enabled();
                Tensor result = node.Operator.Run(new NodeInputs(values, node.Inputs), overwrite ? overwriting : context);
                if (overwrite && ReferenceEquals(result, values[node.Inputs[0]]))
                    values[node.Inputs[0]] = null; // the result took over the input's handle
                else
                    foreach (int s in node.Inputs)
                        if (s >= 0 && ReferenceEquals(result, values[s])) { result = result.alias(); break; }
                if (extrasAsLeaves && keep is not null && keep[node.Output])
                {
                    Tensor leaf = result.detach().requires_grad_(true);
                    result.Dispose();
                    result = leaf;
                }
                values[node.Output] = result;
                foreach (int s in node.Release)
                {
                    if (keep is not null && keep[s] || values[s] is null) continue;
                    values[s]!.Dispose();
                    values[s] = null;
                }
            }
        }
        catch (Exception e)
        {
            ReleaseComputed(values, keep: null);
            if (e is OnnxModuleException || n >= nodes.Length) throw;
            NodeProto failed = nodes[n].Proto;
            // libtorch appends its native stack to the message: keep the sentence, drop the frames
            string reason = e.Message.Split("\nException raised from", 2)[0].Trim();
            throw new OnnxModuleException(
                $"Node '{failed.Name}' ({failed.OpType}) failed on an input of shape [{string.Join(", ", input.shape)}]: {reason}", e);
        }
        finally
        {
            noGrad?.Dispose();
        }
        Tensor output = values[outputSlot]!;
        if (outputSlot == _graph.InputSlot) output = output.alias();
        values[outputSlot] = null;
        ReleaseComputed(values, keep);
        if (keep is not null && keep[outputSlot]) values[outputSlot] = output;
        return output;
    }

    /// <summary>
    /// The operators were checked for the declared input type: another one could reach libtorch with mismatched
    /// operands (which may abort the process), so it is refused. A float input must have the float type of the
    /// module's parameters and buffers (float32, or what <c>to(dtype)</c> made them).
    /// </summary>
    private void CheckInputType(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var declared = _graph.InputType;
        if (declared.IsFloat)
        {
            ScalarType? expected = _graph.Parameters.Select(p => (ScalarType?)p.Value.dtype).FirstOrDefault()
                ?? _graph.Buffers.Where(b => b.Value.is_floating_point()).Select(b => (ScalarType?)b.Value.dtype).FirstOrDefault();
            if (input.is_floating_point() && (expected is null || input.dtype == expected)) return;
            throw new OnnxModuleException(
                $"The module input '{InputName}' is {OnnxTypeNames.Of(declared.Type)} in the graph, and the module computes in " +
                $"{expected?.ToString() ?? "floating point"}, but forward received a {input.dtype} tensor; convert the input (e.g. " +
                $"input.to_type(ScalarType.{expected ?? ScalarType.Float32})).");
        }
        ScalarType? integer = declared.Type switch
        {
            Proto.TensorProto.Types.DataType.Int8 => ScalarType.Int8,
            Proto.TensorProto.Types.DataType.Uint8 => ScalarType.Byte,
            Proto.TensorProto.Types.DataType.Int16 => ScalarType.Int16,
            Proto.TensorProto.Types.DataType.Int32 => ScalarType.Int32,
            Proto.TensorProto.Types.DataType.Int64 => ScalarType.Int64,
            Proto.TensorProto.Types.DataType.Bool => ScalarType.Bool,
            _ => null,
        };
        if (integer is { } t && input.dtype != t)
            throw new OnnxModuleException(
                $"The module input '{InputName}' is {OnnxTypeNames.Of(declared.Type)} in the graph, but forward received a {input.dtype} " +
                $"tensor; pass a {t} tensor.");
    }

    /// <summary>
    /// After <c>to(device)</c> or <c>to(dtype)</c> replaced the registered parameters and buffers, points the
    /// compiled graph at the new ones.
    /// </summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        var parameters = named_parameters(false).ToDictionary(p => p.name, p => p.parameter);
        foreach (GraphParameter p in _graph.Parameters)
            if (parameters.TryGetValue(p.RegisteredName, out Parameter? moved)) p.Value = moved;
        var buffers = named_buffers(false).ToDictionary(b => b.name, b => b.buffer);
        foreach (GraphBuffer b in _graph.Buffers)
            if (buffers.TryGetValue(b.RegisteredName, out Tensor? moved)) b.Value = moved;
    }

    /// <summary>Disposes computed tensors still held (preamble aliases), except kept ones.</summary>
    private void ReleaseComputed(Tensor?[] values, bool[]? keep)
    {
        for (int s = 0; s < values.Length; s++)
        {
            if (values[s] is null || _graph.SlotKinds[s] != SlotKind.Computed || keep is not null && keep[s]) continue;
            values[s]!.Dispose();
            values[s] = null;
        }
        if (keep is null || !keep[_graph.InputSlot]) values[_graph.InputSlot] = null;
    }

    private int ProducerIndex(int slot)
    {
        for (int n = 0; n < _graph.Nodes.Length; n++)
            if (_graph.Nodes[n].Output == slot) return n;
        return -1;
    }

    /// <summary>ONNX names such as "features.0.weight" or "/conv/Conv_output_0" made acceptable to TorchSharp.</summary>
    private static string UniqueName(string onnxName, HashSet<string> used)
    {
        var builder = new StringBuilder(onnxName.Length);
        foreach (char c in onnxName) builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        string name = builder.Length == 0 || char.IsAsciiDigit(builder[0]) ? "p_" + builder : builder.ToString();
        string candidate = name;
        for (int i = 2; !used.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
