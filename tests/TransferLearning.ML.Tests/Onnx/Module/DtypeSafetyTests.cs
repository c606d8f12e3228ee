using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Module.Ops;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>
/// Issue #14's guard: every registered operator, fed INT8, UINT8, INT32, INT64 and FLOAT inputs (and constants of the
/// same type where ONNX's type constraint ties them), either computes what ONNX Runtime computes (same element
/// type) or is refused with an <see cref="OnnxModuleException"/>. A dtype mismatch reaching libtorch can abort the
/// process (SIGABRT in <c>mm</c>), which would kill this test host: that the run completes is part of the test.
/// </summary>
public sealed class DtypeSafetyTests
{
    private const DataType F = DataType.Float, U8 = DataType.Uint8, I8 = DataType.Int8, I32 = DataType.Int32, I64 = DataType.Int64;
    private static readonly DataType[] Types = [I8, U8, I32, I64, F];
    private static readonly long[] Image = [2, 3, 4, 4];

    /// <param name="Atol">Half an output step for quantised chains (the module does not round to the grid).</param>
    /// <param name="Grid">Float inputs are rounded to this step, so quantising them is exact.</param>
    internal sealed record Probe(Func<DataType, TypedGraph> Build, double Atol = 1e-5, double Grid = 0);

    private static TypedGraph Unary(DataType t, string op, int opset = 13, params (string, object)[] attributes) =>
        new TypedGraph(t, Image, opset).Node(op, ["x"], "y", attributes);

    private static TypedGraph Binary(DataType t, string op) =>
        new TypedGraph(t, [2, 6], 14).Random("c", t, [6], 11, nonZero: true).Node(op, ["x", "c"], "y");

    /// <summary>x → QuantizeLinear when float (an integer x is fed to the QLinear operator as it is), then the op, then DequantizeLinear.</summary>
    private static TypedGraph Quantised(DataType t, long[] shape, bool microsoft, Action<TypedGraph, string> op)
    {
        DataType zp = t == I8 ? I8 : U8;
        var g = new TypedGraph(t, shape, 13, microsoft).Tensor("xs", F, null, 0.02).Tensor("xz", zp, null, zp == I8 ? 0 : 128)
            .Tensor("ys", F, null, 0.05).Tensor("yz", U8, null, 100);
        string q = "x";
        if (t == F) { g.Node("QuantizeLinear", ["x", "xs", "xz"], "q"); q = "q"; }
        op(g, q);
        return g.Node("DequantizeLinear", ["o", "ys", "yz"], "y");
    }

    private const double Step = 0.025 + 1e-5;

    internal static readonly Dictionary<string, Probe> Probes = new()
    {
        ["Conv"] = new(t => new TypedGraph(t, Image).Random("w", t, [2, 3, 3, 3], 1).Node("Conv", ["x", "w"], "y")),
        ["Gemm"] = new(t => new TypedGraph(t, [2, 4]).Random("b", t, [4, 3], 1).Random("c", t, [3], 2).Node("Gemm", ["x", "b", "c"], "y")),
        ["MatMul"] = new(t => new TypedGraph(t, [2, 4]).Random("b", t, [4, 3], 1).Node("MatMul", ["x", "b"], "y")),
        ["Relu"] = new(t => Unary(t, "Relu", 14)),
        ["Sigmoid"] = new(t => Unary(t, "Sigmoid")),
        ["Tanh"] = new(t => Unary(t, "Tanh")),
        ["LeakyRelu"] = new(t => Unary(t, "LeakyRelu", 13, ("alpha", 0.1f))),
        ["HardSigmoid"] = new(t => Unary(t, "HardSigmoid")),
        ["HardSwish"] = new(t => Unary(t, "HardSwish", 14)),
        ["Clip"] = new(t => new TypedGraph(t, Image).Tensor("lo", t, null, t == U8 ? 2 : -1).Tensor("hi", t, null, 4).Node("Clip", ["x", "lo", "hi"], "y")),
        ["Softmax"] = new(t => Unary(t, "Softmax")),
        ["Add"] = new(t => Binary(t, "Add")),
        ["Sub"] = new(t => Binary(t, "Sub")),
        ["Mul"] = new(t => Binary(t, "Mul")),
        ["Div"] = new(t => Binary(t, "Div")),
        ["Sum"] = new(t => Binary(t, "Sum")),
        ["MaxPool"] = new(t => Unary(t, "MaxPool", 13, ("kernel_shape", new long[] { 2, 2 }))),
        ["AveragePool"] = new(t => Unary(t, "AveragePool", 13, ("kernel_shape", new long[] { 2, 2 }))),
        ["GlobalAveragePool"] = new(t => Unary(t, "GlobalAveragePool")),
        ["GlobalMaxPool"] = new(t => Unary(t, "GlobalMaxPool")),
        ["ReduceMean"] = new(t => Unary(t, "ReduceMean", 13, ("axes", new long[] { 2, 3 }))),
        ["BatchNormalization"] = new(t => new TypedGraph(t, Image).Random("g", t, [3], 1).Random("b", t, [3], 2).Random("m", t, [3], 3)
            .Tensor("v", t, [3], 1, 2, 3).Node("BatchNormalization", ["x", "g", "b", "m", "v"], "y")),
        ["Dropout"] = new(t => Unary(t, "Dropout")),
        ["Identity"] = new(t => Unary(t, "Identity")),
        ["Flatten"] = new(t => Unary(t, "Flatten")),
        ["Reshape"] = new(t => new TypedGraph(t, Image).Ints("s", 2, -1).Node("Reshape", ["x", "s"], "y")),
        ["Shape"] = new(t => Unary(t, "Shape")),
        ["Gather"] = new(t => new TypedGraph(t, Image).Ints("i", 2, 0).Node("Gather", ["x", "i"], "y", ("axis", 1L))),
        ["Unsqueeze"] = new(t => new TypedGraph(t, Image).Ints("a", 0).Node("Unsqueeze", ["x", "a"], "y")),
        ["Squeeze"] = new(t => new TypedGraph(t, [2, 1, 4]).Ints("a", 1).Node("Squeeze", ["x", "a"], "y")),
        ["Concat"] = new(t => new TypedGraph(t, [2, 3]).Random("c", t, [1, 3], 1).Node("Concat", ["x", "c"], "y", ("axis", 0L))),
        ["Transpose"] = new(t => Unary(t, "Transpose", 13, ("perm", new long[] { 0, 2, 3, 1 }))),
        ["Slice"] = new(t => new TypedGraph(t, Image).Ints("s", 1).Ints("e", 3).Ints("a", 2).Node("Slice", ["x", "s", "e", "a"], "y")),
        ["Cast"] = new(t => Unary(t, "Cast", 13, ("to", (long)(t == F ? I32 : F)))),
        ["Pad"] = new(t => new TypedGraph(t, [2, 3]).Ints("p", 1, 0, 0, 2).Node("Pad", ["x", "p"], "y")),
        ["QuantizeLinear"] = new(t => new TypedGraph(t, [2, 6]).Tensor("s", F, null, 0.02).Tensor("z", U8, null, 128)
            .Node("QuantizeLinear", ["x", "s", "z"], "q").Node("DequantizeLinear", ["q", "s", "z"], "y"), Grid: 0.02),
        ["DequantizeLinear"] = new(t => new TypedGraph(t, [2, 6]).Tensor("s", F, null, 0.5).Node("DequantizeLinear", ["x", "s"], "y")),
        ["QLinearConv"] = new(t => Quantised(t, [1, 3, 4, 4], false, (g, q) => g.Random("w", U8, [2, 3, 3, 3], 4)
            .Tensor("ws", F, null, 0.01).Tensor("wz", U8, null, 6)
            .Node("QLinearConv", [q, "xs", "xz", "w", "ws", "wz", "ys", "yz"], "o")), Step, 0.02),
        ["QLinearMatMul"] = new(t => Quantised(t, [2, 4], false, (g, q) => g.Random("b", U8, [4, 3], 5).Tensor("bs", F, null, 0.01).Tensor("bz", U8, null, 6)
            .Node("QLinearMatMul", [q, "xs", "xz", "b", "bs", "bz", "ys", "yz"], "o")), Step, 0.02),
        ["com.microsoft.QLinearAdd"] = new(t => Quantised(t, [2, 6], true, (g, q) => g.Random("b", U8, [6], 6).Tensor("bs", F, null, 0.03)
            .Tensor("bz", U8, null, 90).DomainNode("com.microsoft", "QLinearAdd", [q, "xs", "xz", "b", "bs", "bz", "ys", "yz"], "o")), Step, 0.02),
        ["com.microsoft.QLinearGlobalAveragePool"] = new(t => Quantised(t, [1, 3, 4, 4], true, (g, q) =>
            g.DomainNode("com.microsoft", "QLinearGlobalAveragePool", [q, "xs", "xz", "ys", "yz"], "o")), Step, 0.02),
    };

    /// <summary>(op, ONNX element type name).</summary>
    public static TheoryData<string, string> Rows()
    {
        var rows = new TheoryData<string, string>();
        foreach (string op in Probes.Keys)
            foreach (DataType t in Types) rows.Add(op, OnnxTypeNames.Of(t));
        return rows;
    }

    [Fact]
    public void Every_registered_operator_is_probed()
    {
        var registered = OperatorRegistry.Default.Operators
            .Select(o => o.Domain.Length == 0 ? o.OpType : $"{o.Domain}.{o.OpType}").Order().ToArray();
        Assert.Equal(registered, Probes.Keys.Order().ToArray());
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Operator_computes_what_onnx_runtime_does_or_is_refused(string op, string typeName)
    {
        DataType type = Types.Single(t => OnnxTypeNames.Of(t) == typeName);
        Probe probe = Probes[op];
        TypedGraph graph = probe.Build(type);
        OnnxModule module;
        try { module = OnnxModule.FromModel(graph.Model); }
        catch (OnnxModuleException) { return; }
        using (module)
        {
            double[] input = TypedGraph.Values(type, graph.Shape.Aggregate(1L, (a, b) => a * b), seed: 5);
            if (type == F && probe.Grid > 0) input = input.Select(v => Math.Round(v / probe.Grid) * probe.Grid).ToArray();
            TypedResult actual;
            try { actual = TypedRun.Module(module, type, input, graph.Shape); }
            catch (OnnxModuleException) { return; }
            // a result must be right wherever ONNX Runtime runs the graph (where it refuses it, ONNX does not allow the type)
            TypedResult? reference = TypedRun.OnnxRuntime(graph, input, out _);
            if (reference is not null) Assert.Null(actual.Mismatch(reference, atol: probe.Atol));
        }
    }
}
