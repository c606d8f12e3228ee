using TransferLearning.ML.Onnx.Proto;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>
/// What every registered operator accepts (attributes, opsets, element types, ranks) and what it refuses; checked
/// by <see cref="GraphCompiler"/> before the operator is built, and listed in docs/onnx-module.md.
/// </summary>
internal static class OperatorSpecs
{
    private static readonly DataType[] Floats = [DataType.Float, DataType.Double];
    private static readonly DataType[] Numbers = [DataType.Float, DataType.Double, DataType.Int8, DataType.Uint8, DataType.Int32, DataType.Int64];
    private static readonly DataType[] Signed = [DataType.Float, DataType.Double, DataType.Int8, DataType.Int32, DataType.Int64];
    private static readonly DataType[] Indices = [DataType.Int32, DataType.Int64];
    private static readonly DataType[] Any =
        [DataType.Float, DataType.Double, DataType.Float16, DataType.Int8, DataType.Uint8, DataType.Int32, DataType.Int64, DataType.Bool];

    private const string FloatTypes = "FLOAT, DOUBLE";
    private const string NumberTypes = "FLOAT, DOUBLE, INT8, UINT8, INT32, INT64";
    private const string AnyTypes = "FLOAT, DOUBLE, FLOAT16, INT8, UINT8, INT32, INT64, BOOL; quantised tensors pass through";

    private static readonly Dictionary<string, string> ConsumedInputs = new()
    {
        ["consumed_inputs"] = "consumed_inputs is an opset-1 attribute OnnxModule does not implement; re-export the model at opset 7 or later",
    };

    private static readonly Dictionary<string, string> OldBroadcast = new()
    {
        ["broadcast"] = "the opset < 7 broadcast attribute is not implemented (OnnxModule broadcasts as numpy does, opset 7+); re-export the model at opset 7 or later",
        ["axis"] = "the opset < 7 broadcast axis attribute is not implemented (OnnxModule broadcasts as numpy does, opset 7+); re-export the model at opset 7 or later",
        ["consumed_inputs"] = "consumed_inputs is an opset-1 attribute OnnxModule does not implement; re-export the model at opset 7 or later",
    };

    private static readonly Dictionary<string, string> QuantizeRefused = new()
    {
        ["block_size"] = "blocked quantisation (block_size, opset 21) is not implemented; use per-tensor or per-axis scales",
        ["output_dtype"] = "output_dtype (opset 21) is not implemented; give the zero point the output type instead",
        ["precision"] = "precision (opset 23) is not implemented",
    };

    public static IReadOnlyDictionary<(string Domain, string OpType), OperatorSpec> All { get; } = Create();

    private static Dictionary<(string, string), OperatorSpec> Create()
    {
        const string ms = OperatorRegistry.MicrosoftDomain;
        var specs = new Dictionary<(string, string), OperatorSpec>();
        void Add(string op, OperatorSpec spec, string domain = OperatorRegistry.DefaultDomain) => specs[(domain, op)] = spec;

        // convolution and linear maps
        Add("Conv", new(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"], Conv, FloatTypes,
            "integer or mismatched input/weight types; 4-d+ windows; an input whose rank does not match the weight"));
        Add("Gemm", new(["alpha", "beta", "transA", "transB"], Gemm, FloatTypes,
            "integer types; opset < 7 broadcast; A or B not of rank 2") { Legacy = OldBroadcast });
        Add("MatMul", new([], MatMul, FloatTypes, "integer types (MatMulInteger/QLinearMatMul are the integer forms); mismatched operand types"));

        // activations
        Add("Relu", new([], c => Unary(c, Signed), "FLOAT, DOUBLE, INT8, INT32, INT64", "UINT8 and other types; opset-1 consumed_inputs") { Legacy = ConsumedInputs });
        Add("Sigmoid", new([], c => Unary(c, Floats), FloatTypes, "integer types; opset-1 consumed_inputs") { Legacy = ConsumedInputs });
        Add("Tanh", new([], c => Unary(c, Floats), FloatTypes, "integer types; opset-1 consumed_inputs") { Legacy = ConsumedInputs });
        Add("LeakyRelu", new(["alpha"], c => Unary(c, Floats), FloatTypes, "integer types; opset-1 consumed_inputs") { Legacy = ConsumedInputs });
        Add("HardSigmoid", new(["alpha", "beta"], c => Unary(c, Floats), FloatTypes, "integer types; opset-1 consumed_inputs") { Legacy = ConsumedInputs });
        Add("HardSwish", new([], c => Unary(c, Floats), FloatTypes, "integer types"));
        Add("Clip", new(["min", "max"], Clip, NumberTypes + " (opset 12+; FLOAT, DOUBLE before)",
            "min/max attributes at opset 11+; bounds of another type than the input; integer types before opset 12") { Legacy = ConsumedInputs });
        Add("Softmax", new(["axis"], Softmax, FloatTypes, "integer types; an axis outside the rank"));

        // arithmetic
        foreach (string op in new[] { "Add", "Sub", "Mul", "Div" })
            Add(op, new([], Binary, NumberTypes, "operands of different types; opset < 7 broadcast/axis attributes") { Legacy = OldBroadcast });
        Add("Sum", new([], Sum, FloatTypes, "integer types; operands of different types") { Legacy = ConsumedInputs });

        // pooling
        Add("MaxPool", new(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"],
            c => Pool(c, quantised: true), FloatTypes + "; quantised tensors (max commutes with dequantisation)",
            "1-d and 3-d windows (input rank other than 4); integer types; the Indices output"));
        Add("AveragePool", new(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"],
            c => Pool(c, quantised: false), FloatTypes, "1-d and 3-d windows (input rank other than 4); dilations other than 1; integer types"));
        Add("GlobalAveragePool", new([], c => GlobalPool(c, quantised: false), FloatTypes, "integer types; rank < 3"));
        Add("GlobalMaxPool", new([], c => GlobalPool(c, quantised: true), FloatTypes + "; quantised tensors", "integer types; rank < 3"));
        Add("ReduceMean", new(["axes", "keepdims", "noop_with_empty_axes"], ReduceMean, FloatTypes,
            "integer types; computed axes (opset 18+: the axes input must be a constant)"));

        // normalisation
        Add("BatchNormalization", new(["epsilon", "momentum", "spatial", "training_mode"], BatchNormalization, FloatTypes,
            "training_mode = 1 (opset 14+); spatial = 0 (opset 7-8); opset < 7 (is_test, consumed_inputs); integer types; rank < 2")
        { MinOpset = 7, Legacy = new Dictionary<string, string> { ["is_test"] = "is_test is an opset < 7 attribute; re-export at opset 7 or later" } });
        Add("Dropout", new(["ratio", "seed"], Dropout, FloatTypes,
            "a training_mode input that is true or not a constant (opset 12+); a ratio that is not a constant; the mask output; opset < 7 (is_test)")
        { MinOpset = 7, Legacy = new Dictionary<string, string> { ["is_test"] = "is_test is an opset < 7 attribute; re-export at opset 7 or later" } });

        // shapes
        Add("Identity", new([], c => c.Input(0), AnyTypes, "nothing"));
        Add("Flatten", new(["axis"], Flatten, AnyTypes, "an axis outside the rank"));
        Add("Reshape", new(["allowzero"], Reshape, AnyTypes, "opset < 5 (shape attribute); a shape input that is not INT64")
        { MinOpset = 5, Legacy = new Dictionary<string, string> { ["shape"] = "the opset < 5 shape attribute is not implemented; re-export at opset 5 or later" } });
        Add("Shape", new(["start", "end"], c => new ValueType(DataType.Int64, Rank: 1), AnyTypes, "nothing"));
        Add("Gather", new(["axis"], Gather, AnyTypes, "indices other than INT32/INT64; an axis outside the rank"));
        Add("Unsqueeze", new(["axes"], c => Axes(c, +1), AnyTypes, "axes input other than INT64; axes attribute at opset 13+"));
        Add("Squeeze", new(["axes"], c => Axes(c, -1), AnyTypes, "axes input other than INT64; an axis whose size is not 1 (fails when run, naming the node)"));
        Add("Concat", new(["axis"], Concat, AnyTypes, "inputs of different types or quantisation; opset < 4 (axis defaults differ)") { MinOpset = 4 });
        Add("Transpose", new(["perm"], Transpose, AnyTypes, "a perm whose length is not the rank"));
        Add("Slice", new(["starts", "ends", "axes"], Slice, AnyTypes, "negative or zero steps; starts/ends/axes/steps other than INT32/INT64; attributes at opset 10+"));
        Add("Cast", new(["to", "saturate"], Cast, "to FLOAT, DOUBLE, FLOAT16, INT8, UINT8, INT32, INT64, BOOL",
            "other target types (named, e.g. BFLOAT16); quantised inputs; opset < 6 (string to)") { MinOpset = 6 });
        Add("Pad", new(["mode", "pads", "value"], Pad, FloatTypes + "; INT8, UINT8, INT32, INT64 in constant mode",
            "wrap mode; the axes input (opset 18+); integer types in reflect/edge mode; opset 1 (paddings)")
        { MinOpset = 2, Legacy = new Dictionary<string, string> { ["paddings"] = "the opset-1 paddings attribute is not implemented; re-export at opset 2 or later" } });

        // quantised operators
        Add("QuantizeLinear", new(["axis", "saturate"], QuantizeLinear, "FLOAT in, UINT8 or INT8 (carried as float) out",
            "per-axis or blocked scales; INT16/UINT16/INT4 and other zero-point types; a quantised module output; opset < 10")
        { MinOpset = 10, Legacy = QuantizeRefused });
        Add("DequantizeLinear", new(["axis"], DequantizeLinear, "UINT8, INT8 (INT32 for constants) in, FLOAT out",
            "INT16/UINT16/INT4 and other input types; per-axis or blocked scales on a computed input; a quantised input whose scale or zero point differs from the node's; non-FLOAT scales; opset < 10")
        { MinOpset = 10, Legacy = QuantizeRefused });
        Add("QLinearConv", new(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"], QLinearConv,
            "UINT8/INT8 activations from QuantizeLinear or another QLinear op; constant UINT8/INT8 weights",
            "integer graph inputs or other integer tensors (only quantised tensors carried as float); a scale or zero point that differs from the producer's; a computed weight") { MinOpset = 10 });
        Add("QLinearMatMul", new([], c => QLinearBinary(c, "QLinearMatMul"), "UINT8/INT8 operands from QuantizeLinear, a QLinear op or constants",
            "integer graph inputs or other integer tensors; a scale or zero point that differs from the producer's; per-axis output scales") { MinOpset = 10 });
        Add("QLinearAdd", new([], c => QLinearBinary(c, "QLinearAdd"), "UINT8/INT8 operands from QuantizeLinear, a QLinear op or constants",
            "integer graph inputs or other integer tensors; a scale or zero point that differs from the producer's"), ms);
        Add("QLinearGlobalAveragePool", new(["channels_last"], QLinearGlobalAveragePool, "UINT8/INT8 from QuantizeLinear or a QLinear op",
            "integer graph inputs or other integer tensors; a scale or zero point that differs from the producer's"), ms);
        return specs;
    }

    private static ValueType Unary(TypeCheck c, DataType[] allowed) => c.Require(0, "input", allowed);

    private static ValueType Binary(TypeCheck c)
    {
        ValueType a = c.Require(0, "first operand", Numbers);
        c.Require(1, "second operand", Numbers);
        c.RequireSame(0, 1);
        return a.WithRank(c.BroadcastRank(0, 1));
    }

    private static ValueType Sum(TypeCheck c)
    {
        for (int i = 0; i < c.Inputs.Length; i++) if (c.Has(i)) c.Require(i, $"operand {i}", Floats);
        c.RequireSame(Enumerable.Range(0, c.Inputs.Length).ToArray());
        return c.Input(0).WithRank(c.BroadcastRank(Enumerable.Range(0, c.Inputs.Length).ToArray()));
    }

    private static ValueType Conv(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", Floats);
        c.Require(1, "weight", Floats);
        if (c.Has(2)) c.Require(2, "bias", Floats);
        c.RequireSame(0, 1, 2);
        if (c.Input(1).Rank is { } w) c.RequireRank(0, r => r == w, $"rank {w} (the weight's rank)");
        else c.RequireRank(0, r => r is >= 3 and <= 5, "rank 3 to 5");
        return x;
    }

    private static ValueType Gemm(TypeCheck c)
    {
        ValueType a = c.Require(0, "A", Floats);
        c.Require(1, "B", Floats);
        if (c.Has(2)) c.Require(2, "C", Floats);
        c.RequireSame(0, 1, 2);
        c.RequireRank(0, r => r == 2, "rank 2");
        c.RequireRank(1, r => r == 2, "rank 2");
        return a.WithRank(2);
    }

    private static ValueType MatMul(TypeCheck c)
    {
        ValueType a = c.Require(0, "A", Floats);
        c.Require(1, "B", Floats);
        c.RequireSame(0, 1);
        int? rank = c.Input(0).Rank is { } ra && c.Input(1).Rank is { } rb && ra >= 2 && rb >= 2 ? Math.Max(ra, rb) : null;
        return a.WithRank(rank);
    }

    private static ValueType Clip(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", c.Context.Opset >= 12 ? Numbers : Floats);
        for (int i = 1; i <= 2; i++)
            if (c.Has(i))
            {
                c.Require(i, i == 1 ? "min" : "max", Numbers);
                c.RequireSame(0, i);
            }
        return x;
    }

    private static ValueType Softmax(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", Floats);
        long axis = c.Context.Int("axis", c.Context.Opset >= 13 ? -1 : 1);
        c.RequireRank(0, r => axis >= -r && axis < r, $"a rank that contains axis {axis}");
        return x;
    }

    private static ValueType Pool(TypeCheck c, bool quantised)
    {
        ValueType x = c.Input(0);
        if (!(quantised && x.IsQuantized)) c.Require(0, "input", Floats);
        c.RequireRank(0, r => r == 4, "rank 4 (2-d pooling; 1-d and 3-d are not implemented)");
        return x;
    }

    private static ValueType GlobalPool(TypeCheck c, bool quantised)
    {
        ValueType x = c.Input(0);
        if (!(quantised && x.IsQuantized)) c.Require(0, "input", Floats);
        c.RequireRank(0, r => r >= 3, "rank 3 or more (batch, channel, spatial dimensions)");
        return x;
    }

    private static ValueType ReduceMean(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", Floats);
        if (c.Runtime(1)) throw c.Refuse("its axes input is computed", "make the axes a constant (an initializer or a Constant node)");
        bool keep = c.Context.Int("keepdims", 1) != 0;
        return x.WithRank(keep ? x.Rank : null);
    }

    private static ValueType BatchNormalization(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", Floats);
        for (int i = 1; i <= 4; i++) c.Require(i, i switch { 1 => "scale", 2 => "bias", 3 => "mean", _ => "variance" }, Floats);
        c.RequireSame(0, 1, 2, 3, 4);
        c.RequireRank(0, r => r >= 2, "rank 2 or more");
        return x;
    }

    private static ValueType Dropout(TypeCheck c) => c.Require(0, "input", Floats);

    private static ValueType Flatten(TypeCheck c)
    {
        ValueType x = c.Input(0);
        long axis = c.Context.Int("axis", 1);
        c.RequireRank(0, r => axis >= -r && axis <= r, $"a rank that contains axis {axis}");
        return x.WithRank(2);
    }

    private static ValueType Reshape(TypeCheck c)
    {
        ValueType x = c.Input(0);
        if (c.Runtime(1)) c.Require(1, "shape", DataType.Int64);
        int? rank = c.Context.Constant(1) is { } shape ? (int)TensorData.ElementCount(shape) : null;
        return x.WithRank(rank);
    }

    private static ValueType Gather(TypeCheck c)
    {
        ValueType data = c.Input(0);
        c.Require(1, "indices", Indices);
        long axis = c.Context.Int("axis", 0);
        c.RequireRank(0, r => axis >= -r && axis < r, $"a rank that contains axis {axis}");
        int? rank = data.Rank is { } r0 && c.Input(1).Rank is { } r1 ? r0 + r1 - 1 : null;
        return data.WithRank(rank);
    }

    private static ValueType Axes(TypeCheck c, int sign)
    {
        ValueType x = c.Input(0);
        if (c.Context.Opset >= 13 && c.Context.HasAttribute("axes"))
            throw c.Refuse("it has an axes attribute, which opset 13+ replaced by the axes input", "pass the axes as the second input");
        if (c.Runtime(1)) c.Require(1, "axes", DataType.Int64);
        long[]? axes = c.Context.Opset >= 13
            ? (c.Context.Constant(1) is { } t ? TensorData.ToInt64Array(t) : c.Has(1) ? null : sign < 0 ? null : [])
            : c.Context.Ints("axes");
        if (sign > 0 && axes is null && !c.Has(1) && c.Context.Opset >= 13)
            throw c.Refuse("it has no axes input", "give Unsqueeze its axes");
        int? rank = null;
        if (axes is not null && x.Rank is { } r)
        {
            int outRank = sign > 0 ? r + axes.Length : r;
            int limit = sign > 0 ? outRank : r;
            foreach (long a in axes)
                if (a < -limit || a >= limit)
                    throw c.Refuse($"axis {a} is outside the rank {limit}", "fix the axes");
            rank = sign > 0 ? outRank : axes.Length == 0 ? null : r - axes.Length;
        }
        return x.WithRank(rank);
    }

    private static ValueType Concat(TypeCheck c)
    {
        if (!c.Context.HasAttribute("axis")) throw c.Refuse("it has no axis attribute", "give Concat the axis ONNX requires");
        var present = Enumerable.Range(0, c.Inputs.Length).Where(c.Has).ToArray();
        ValueType first = c.Input(present[0]);
        foreach (int i in present)
        {
            ValueType t = c.Input(i);
            if (t.Type != first.Type || !Equals(t.Quant, first.Quant))
                throw c.Refuse($"input {present[0]} is {first} but input {i} is {t}", "concatenate tensors of one type (and one quantisation)");
        }
        long axis = c.Context.Int("axis", 0);
        c.RequireRank(present[0], r => axis >= -r && axis < r, $"a rank that contains axis {axis}");
        return first;
    }

    private static ValueType Transpose(TypeCheck c)
    {
        ValueType x = c.Input(0);
        if (c.Context.Ints("perm") is { } perm)
        {
            c.RequireRank(0, r => r == perm.Length, $"rank {perm.Length} (the length of perm)");
            if (perm.Order().Select((p, i) => p == i).Any(ok => !ok))
                throw c.Refuse($"perm [{string.Join(", ", perm)}] is not a permutation", "fix perm");
            return x.WithRank(perm.Length);
        }
        return x;
    }

    private static ValueType Slice(TypeCheck c)
    {
        ValueType x = c.Input(0);
        if (c.Context.Opset >= 10 && (c.Context.HasAttribute("starts") || c.Context.HasAttribute("ends") || c.Context.HasAttribute("axes")))
            throw c.Refuse("it has starts/ends/axes attributes, which opset 10 replaced by inputs", "pass them as inputs");
        for (int i = 1; i <= 4; i++) if (c.Runtime(i)) c.Require(i, "slice parameter", Indices);
        return x;
    }

    private static ValueType Cast(TypeCheck c)
    {
        ValueType x = c.Input(0);
        if (x.IsQuantized)
            c.Require(0, "input", Any);
        var to = (DataType)c.Context.Int("to", 0);
        if (!Any.Contains(to))
            throw c.Refuse($"attribute 'to' = {OnnxTypeNames.Of(to)} is a type OnnxModule does not compute (it casts to " +
                $"{string.Join(", ", Any.Select(OnnxTypeNames.Of))})", "cast to one of those types");
        return new ValueType(to, Rank: x.Rank);
    }

    private static ValueType Pad(TypeCheck c)
    {
        string mode = c.Context.String("mode") is { Length: > 0 } m ? m : "constant";
        ValueType x = c.Require(0, "input", mode == "constant" ? Numbers : Floats);
        if (c.Runtime(1)) c.Require(1, "pads", DataType.Int64);
        return x;
    }

    private static ValueType QuantizeLinear(TypeCheck c)
    {
        ValueType x = c.Require(0, "input", DataType.Float);
        (float scale, double zp, DataType type) = PerTensor(c, 1, 2, "y_scale");
        return new ValueType(type, new Quantization(type, scale, zp), x.Rank);
    }

    private static ValueType DequantizeLinear(TypeCheck c)
    {
        if (c.Context.Constant(1) is { } s && (DataType)s.DataType != DataType.Float)
            throw c.Refuse($"its scale is {OnnxTypeNames.Of(s.DataType)}, so the output would be too, but OnnxModule dequantises to FLOAT only",
                "give DequantizeLinear a FLOAT scale");
        ValueType x = c.Input(0);
        if (!c.Runtime(0))
        {
            if (x.Type is not (DataType.Int8 or DataType.Uint8 or DataType.Int32))
                throw c.Refuse($"its constant input is {OnnxTypeNames.Of(x.Type)}, which OnnxModule does not dequantise (it does UINT8, INT8, INT32)",
                    "quantise the weight to INT8 or UINT8");
            return new ValueType(DataType.Float, Rank: x.Rank);
        }
        if (x.IsQuantized) MatchesProducer(c, 0, 1, 2);
        else if (x.Type is not (DataType.Int8 or DataType.Uint8 or DataType.Int32))
            throw c.Refuse($"its input is {x}, which OnnxModule does not dequantise (it does UINT8, INT8 and INT32 tensors)",
                "quantise to UINT8 or INT8");
        else PerTensor(c, 1, 2, "x_scale", x.Type);
        return new ValueType(DataType.Float, Rank: x.Rank);
    }

    private static ValueType QLinearConv(TypeCheck c)
    {
        ValueType x = c.Input(0);
        MatchesProducer(c, 0, 1, 2);
        if (c.Runtime(3)) throw c.Refuse("its weight is computed", "make the weight a constant initializer");
        ValueType w = c.Input(3);
        if (w.Rank is { } wr) c.RequireRank(0, r => r == wr, $"rank {wr} (the weight's rank)");
        (float scale, double zp, DataType type) = PerTensor(c, 6, 7, "y_scale");
        return new ValueType(type, new Quantization(type, scale, zp), x.Rank);
    }

    private static ValueType QLinearBinary(TypeCheck c, string op)
    {
        if (c.Runtime(0)) MatchesProducer(c, 0, 1, 2);
        if (c.Runtime(3)) MatchesProducer(c, 3, 4, 5);
        int? rank = c.Input(0).Rank is { } a && c.Input(3).Rank is { } b ? Math.Max(a, b) : null;
        if (op == "QLinearMatMul")
        {
            c.RequireRank(0, r => r >= 1, "rank 1 or more");
            c.RequireRank(3, r => r >= 1, "rank 1 or more");
        }
        (float scale, double zp, DataType type) = PerTensor(c, 6, 7, "y_scale");
        return new ValueType(type, new Quantization(type, scale, zp), rank);
    }

    private static ValueType QLinearGlobalAveragePool(TypeCheck c)
    {
        ValueType x = c.Input(0);
        MatchesProducer(c, 0, 1, 2);
        c.RequireRank(0, r => r >= 3, "rank 3 or more");
        (float scale, double zp, DataType type) = PerTensor(c, 3, 4, "y_scale");
        return new ValueType(type, new Quantization(type, scale, zp), x.Rank);
    }

    /// <summary>
    /// A computed quantised operand is carried as its float value <c>(q - zp) * scale</c> with its producer's scale and
    /// zero point: the node must declare the same ones, or it would read other integers than ONNX Runtime does.
    /// </summary>
    private static void MatchesProducer(TypeCheck c, int value, int scale, int zeroPoint)
    {
        ValueType x = c.Input(value);
        if (!x.IsQuantized)
            throw c.Refuse($"input {value} is {x}, a plain tensor; OnnxModule imports quantised graphs with their quantised " +
                "tensors carried as float values, produced by QuantizeLinear or another QLinear operator, and does not compute on integer tensors",
                "feed the graph FLOAT values and quantise them inside it (QuantizeLinear), or run the model with ONNX Runtime");
        (float s, double zp, DataType type) = PerTensor(c, scale, zeroPoint, "scale");
        if (s != x.Quant!.Scale || zp != x.Quant.ZeroPoint || type != x.Quant.Type)
            throw c.Refuse($"input {value} was quantised with scale {x.Quant.Scale}, zero point {x.Quant.ZeroPoint} ({OnnxTypeNames.Of(x.Quant.Type)}), " +
                $"but the node reads it with scale {s}, zero point {zp} ({OnnxTypeNames.Of(type)}); OnnxModule carries the dequantised value, " +
                "so it can only follow a producer with the same quantisation",
                "give the node its producer's scale and zero point");
    }

    /// <summary>A per-tensor scale and zero point (and the zero point's type; UINT8 without one).</summary>
    private static (float Scale, double ZeroPoint, DataType Type) PerTensor(TypeCheck c, int scale, int zeroPoint, string what,
        DataType defaultType = DataType.Uint8)
    {
        TensorProto s = c.Context.Constant(scale) ?? throw c.Refuse($"its {what} is not a constant", "make it an initializer");
        if (TensorData.ElementCount(s) != 1)
            throw c.Refuse($"its {what} has {TensorData.ElementCount(s)} values (per-axis quantisation), which OnnxModule does not implement here",
                "quantise this tensor per tensor (one scale)");
        var type = defaultType;
        double zp = 0;
        if (c.Context.Constant(zeroPoint) is { } z)
        {
            type = (DataType)z.DataType;
            if (TensorData.ElementCount(z) != 1)
                throw c.Refuse($"its zero point has {TensorData.ElementCount(z)} values (per-axis quantisation), which OnnxModule does not implement here",
                    "quantise this tensor per tensor");
            if (type is not (DataType.Uint8 or DataType.Int8 or DataType.Int32))
                throw c.Refuse($"its zero point is {OnnxTypeNames.Of(type)}, which OnnxModule does not implement (UINT8 and INT8 are)",
                    "quantise to UINT8 or INT8");
            zp = TensorData.ToDoubleArray(z)[0];
        }
        return (TensorData.ToFloatArray(s)[0], zp, type);
    }
}
