using TransferLearning.ML.Onnx.Module.Ops;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx.Module;

/// <summary>What a value slot of the executor holds.</summary>
internal enum SlotKind { Input, Computed, Parameter, Buffer, Constant }

/// <summary>One node ready to run: its operator, the slots it reads and writes, and the slots it is the last reader of.</summary>
internal sealed class CompiledNode(NodeProto proto, IOnnxOperator op, int[] inputs, int output)
{
    public NodeProto Proto { get; } = proto;
    public IOnnxOperator Operator { get; } = op;
    public int[] Inputs { get; } = inputs;
    public int Output { get; } = output;

    /// <summary>Computed slots no later node reads: released right after this node ran.</summary>
    public int[] Release { get; set; } = [];

    /// <summary>The first input is a computed tensor this node is the last reader of.</summary>
    public bool LastReaderOfFirstInput { get; set; }

    /// <summary>Indices into <see cref="CompiledGraph.Parameters"/> this node uses, directly or through aliases.</summary>
    public int[] ParameterIndices { get; set; } = [];
}

/// <summary>
/// An ONNX graph compiled for execution: nodes pruned to what the output needs, topologically sorted, each with
/// its operator and integer slots instead of tensor names, so a forward pass does no name lookups.
/// Nodes that only read parameters and constants (e.g. the Identity nodes torch.onnx adds for shared weights)
/// come first, as the preamble.
/// </summary>
internal sealed class CompiledGraph
{
    public required CompiledNode[] Nodes { get; init; }
    public required int PreambleCount { get; init; }
    public required string[] SlotNames { get; init; }
    public required SlotKind[] SlotKinds { get; init; }
    public required int InputSlot { get; init; }
    public required int OutputSlot { get; init; }
    public required string InputName { get; init; }

    /// <summary>The module input's ONNX element type, as the graph declares it (FLOAT when undeclared).</summary>
    public Ops.ValueType InputType { get; set; }
    public required string OutputName { get; init; }
    public required List<GraphParameter> Parameters { get; init; }
    public required List<GraphBuffer> Buffers { get; init; }

    /// <summary>The source nodes the module executes (Constant nodes included), in source order.</summary>
    public required List<NodeProto> KeptNodes { get; init; }

    public int SlotCount => SlotNames.Length;

    /// <summary>The slot of a tensor by its ONNX name, or -1.</summary>
    public int SlotOf(string name) => Array.IndexOf(SlotNames, name);
}
