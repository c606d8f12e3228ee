using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>The quantisation parameters of a quantised tensor the module carries as its dequantised float value.</summary>
internal sealed record Quantization(DataType Type, float Scale, double ZeroPoint);

/// <summary>
/// What a value is at build time: its ONNX element type, for a quantised tensor (carried as float32) its scale and
/// zero point, and its rank when known.
/// </summary>
internal readonly record struct ValueType(DataType Type, Quantization? Quant = null, int? Rank = null)
{
    public bool IsQuantized => Quant is not null;

    public bool IsFloat => Quant is null && Type is DataType.Float or DataType.Double or DataType.Float16;

    public bool IsInteger => Quant is null && Type is DataType.Int8 or DataType.Uint8 or DataType.Int32 or DataType.Int64;

    public ValueType WithRank(int? rank) => this with { Rank = rank };

    public override string ToString() => Quant is null
        ? OnnxTypeNames.Of(Type)
        : $"quantised {OnnxTypeNames.Of(Type)} (scale {Quant.Scale}, zero point {Quant.ZeroPoint}; carried as its dequantised FLOAT value)";
}

/// <summary>Decides a node's output type from its input types, or refuses the node.</summary>
internal delegate ValueType TypeRule(TypeCheck check);

/// <summary>
/// What an operator accepts, checked before it is built: opsets, attributes (any other is refused), element types
/// and ranks (<see cref="Types"/>), and the documentation of both.
/// </summary>
/// <param name="Attributes">The attributes the implementation reads; any other attribute is refused.</param>
/// <param name="Types">The type rule: checks the inputs and gives the output type.</param>
/// <param name="Dtypes">The element types it computes, as docs/onnx-module.md lists them.</param>
/// <param name="Refuses">What it refuses, as docs/onnx-module.md lists it.</param>
internal sealed record OperatorSpec(string[] Attributes, TypeRule Types, string Dtypes, string Refuses)
{
    /// <summary>The first opset of the operator's domain whose semantics the implementation follows.</summary>
    public int MinOpset { get; init; } = 1;

    /// <summary>Attributes of older opsets refused with a reason (e.g. opset &lt; 7 broadcast).</summary>
    public IReadOnlyDictionary<string, string> Legacy { get; init; } = new Dictionary<string, string>();
}

/// <summary>The inputs of one node as the type rule sees them.</summary>
internal sealed class TypeCheck(OperatorBuildContext context, ValueType?[] inputs)
{
    public OperatorBuildContext Context { get; } = context;

    /// <summary>The input types; null where the input is absent.</summary>
    public ValueType?[] Inputs { get; } = inputs;

    public bool Has(int index) => index < Inputs.Length && Inputs[index] is not null;

    /// <summary>The input is read at run time (not a constant the operator consumed while it was built).</summary>
    public bool Runtime(int index) => Has(index) && !Context.StaticInputs[index];

    public ValueType Input(int index) => Inputs[index] ?? throw Refuse($"input {index} is missing", "give the node the input ONNX requires");

    /// <summary>A refusal naming the node, the op and opset, the problem and what to do.</summary>
    public OnnxModuleException Refuse(string problem, string remedy) => Context.Error($"{problem}; {remedy}");

    /// <summary>Input <paramref name="index"/> must be a plain (not quantised) tensor of one of <paramref name="allowed"/>.</summary>
    public ValueType Require(int index, string what, params DataType[] allowed)
    {
        ValueType t = Input(index);
        if (t.IsQuantized)
            throw Refuse($"its {what} (input {index}) is a {t}, and {Context.Node.OpType} would compute on the float value, " +
                "not on the integers ONNX defines",
                "dequantise it first (DequantizeLinear) or cut the graph before this node (OnnxModuleOptions.OutputName)");
        if (!allowed.Contains(t.Type))
            throw Refuse($"its {what} (input {index}) is {t}, which OnnxModule does not compute for {Context.Node.OpType} " +
                $"(it does {string.Join(", ", allowed.Select(OnnxTypeNames.Of))})",
                "cast the input (Cast) to a supported type, or cut the graph before this node (OnnxModuleOptions.OutputName)");
        return t;
    }

    /// <summary>The given inputs (those present) must share one element type, as ONNX's type constraint T says.</summary>
    public void RequireSame(params int[] indices)
    {
        ValueType? first = null;
        int firstIndex = -1;
        foreach (int i in indices)
        {
            if (!Has(i)) continue;
            if (first is null) { first = Inputs[i]; firstIndex = i; continue; }
            if (Inputs[i]!.Value.Type != first.Value.Type || Inputs[i]!.Value.IsQuantized != first.Value.IsQuantized)
                throw Refuse($"input {firstIndex} is {first} but input {i} is {Inputs[i]}; ONNX requires one type for both",
                    "cast one of them (Cast) so both have the same element type");
        }
    }

    /// <summary>Input <paramref name="index"/>'s rank, when known, must satisfy <paramref name="ok"/>.</summary>
    public void RequireRank(int index, Func<int, bool> ok, string expected)
    {
        if (Has(index) && Inputs[index]!.Value.Rank is { } r && !ok(r))
            throw Refuse($"input {index} has rank {r}, but {Context.Node.OpType} here needs {expected}",
                "reshape the tensor to the rank the operator expects, or choose another OnnxModuleOptions.OutputName");
    }

    /// <summary>The largest rank of the present inputs, when all are known (numpy broadcasting).</summary>
    public int? BroadcastRank(params int[] indices)
    {
        int rank = 0;
        foreach (int i in indices)
        {
            if (!Has(i)) continue;
            if (Inputs[i]!.Value.Rank is not { } r) return null;
            rank = Math.Max(rank, r);
        }
        return rank;
    }
}
