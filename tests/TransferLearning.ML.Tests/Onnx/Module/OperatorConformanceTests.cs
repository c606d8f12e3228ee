using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Module.Ops;
using DataType = TransferLearning.ML.Onnx.Proto.TensorProto.Types.DataType;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>
/// Issue #14: every node either computes what ONNX Runtime computes (rtol 1e-3, atol 1e-5, same element type) or is
/// refused with an <see cref="OnnxModuleException"/> naming the node, the op and the attribute when the module is
/// built. Each row is a small graph covering one attribute, dtype or old-opset semantics of a registered op.
/// </summary>
public sealed class OperatorConformanceTests
{
    private const DataType F = DataType.Float, U8 = DataType.Uint8, I8 = DataType.Int8, I16 = DataType.Int16,
        I32 = DataType.Int32, I64 = DataType.Int64, B = DataType.Bool;

    private static readonly long[] Image = [2, 3, 5, 5];

    /// <param name="Refusal">Words the build-time refusal must contain (node, op, attribute); null: it must compute.</param>
    /// <param name="FailsWhenRun">Invalid for any input of this shape: both runtimes must fail when run.</param>
    /// <param name="Atol">Absolute tolerance; quantised chains get half an output step, since the module carries
    /// quantised tensors as floats without rounding them to the grid (docs/onnx-module.md).</param>
    /// <param name="Grid">Rounds the input to multiples of this step (a quantised input's scale), so quantising it is exact.</param>
    private sealed record Case(Func<TypedGraph> Build, string[]? Refusal = null, bool FailsWhenRun = false, double Atol = 1e-5, double Grid = 0);

    private static Case Refuse(Func<TypedGraph> build, params string[] words) => new(build, words);

    private static TypedGraph BatchNorm(int opset, params (string, object)[] attributes) => new TypedGraph(F, Image, opset)
        .Random("g", F, [3], 1).Random("b", F, [3], 2).Random("m", F, [3], 3).Tensor("v", F, [3], 1.5, 0.5, 2)
        .Node("BatchNormalization", ["x", "g", "b", "m", "v"], "y", attributes);

    private static TypedGraph Quantised(long[] shape, bool microsoft = false) => new TypedGraph(F, shape, 13, microsoft)
        .Tensor("xs", F, null, 0.02).Tensor("xz", U8, null, 128).Tensor("ys", F, null, 0.05).Tensor("yz", U8, null, 100)
        .Node("QuantizeLinear", ["x", "xs", "xz"], "q");

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // 1. training switches
        ["bn_training_mode_1_refused"] = Refuse(() => BatchNorm(15, ("training_mode", 1L)), "BatchNormalization_0", "BatchNormalization", "training_mode"),
        ["bn_training_mode_0_epsilon_momentum"] = new(() => BatchNorm(15, ("training_mode", 0L), ("epsilon", 1e-3f), ("momentum", 0.8f))),
        ["bn_opset8_spatial_1"] = new(() => BatchNorm(8, ("spatial", 1L))),
        ["bn_opset8_spatial_0_refused"] = Refuse(() => BatchNorm(8, ("spatial", 0L)), "BatchNormalization_0", "'spatial'", "opset 9"),
        ["bn_opset6_is_test_refused"] = Refuse(() => BatchNorm(6, ("is_test", 1L)), "BatchNormalization_0", "opset 7"),
        ["dropout_training_mode_true_refused"] = Refuse(() => new TypedGraph(F, Image).Tensor("r", F, null, 0.5).Tensor("t", B, null, 1)
            .Node("Dropout", ["x", "r", "t"], "y"), "Dropout_0", "Dropout", "training_mode"),
        ["dropout_training_mode_computed_refused"] = Refuse(() => new TypedGraph(F, Image).Tensor("r", F, null, 0.5).Tensor("i", I64, null, 0)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "i"], "n").Node("Cast", ["n"], "t", ("to", (long)B))
            .Node("Dropout", ["x", "r", "t"], "y"), "Dropout_3", "training_mode", "computed"),
        ["dropout_training_mode_false_ratio_seed"] = new(() => new TypedGraph(F, Image).Tensor("r", F, null, 0.3).Tensor("t", B, null, 0)
            .Node("Dropout", ["x", "r", "t"], "y", ("seed", 3L))),
        ["dropout_opset10_ratio"] = new(() => new TypedGraph(F, Image, 10).Node("Dropout", ["x"], "y", ("ratio", 0.3f))),

        // 2. integer inputs to quantisation operators
        ["dequantize_uint8_input"] = new(() => new TypedGraph(U8, [2, 6]).Tensor("s", F, null, 0.5).Tensor("z", U8, null, 3)
            .Node("DequantizeLinear", ["x", "s", "z"], "y")),
        ["dequantize_int8_input"] = new(() => new TypedGraph(I8, [2, 6]).Tensor("s", F, null, 0.25).Tensor("z", I8, null, -2)
            .Node("DequantizeLinear", ["x", "s", "z"], "y")),
        ["dequantize_int32_input"] = new(() => new TypedGraph(I32, [2, 6]).Tensor("s", F, null, 0.125).Node("DequantizeLinear", ["x", "s"], "y")),
        ["dequantize_int16_input_refused"] = Refuse(() => new TypedGraph(I16, [2, 6], 21).Tensor("s", F, null, 0.5).Tensor("z", I16, null, 0)
            .Node("DequantizeLinear", ["x", "s", "z"], "y"), "DequantizeLinear_0", "INT16"),
        ["dequantize_per_axis_computed_refused"] = Refuse(() => new TypedGraph(U8, [2, 3]).Tensor("s", F, [3], 0.5, 0.25, 1)
            .Tensor("z", U8, [3], 1, 2, 3).Node("DequantizeLinear", ["x", "s", "z"], "y", ("axis", 1L)), "DequantizeLinear_0", "per-axis"),
        ["dequantize_blocked_refused"] = Refuse(() => new TypedGraph(U8, [2, 4], 21).Tensor("s", F, [2, 2], 0.5, 0.25, 1, 2)
            .Node("DequantizeLinear", ["x", "s"], "y", ("axis", 1L), ("block_size", 2L)), "DequantizeLinear_0", "'block_size'"),
        ["dequantize_constant_int8_per_axis_weight"] = new(() => new TypedGraph(F, [3, 2]).Tensor("w", I8, [3, 2], -3, 5, 7, -1, 0, 2)
            .Tensor("s", F, [3], 0.5, 0.25, 2).Tensor("z", I8, [3], 1, -1, 0)
            .Node("DequantizeLinear", ["w", "s", "z"], "d", ("axis", 0L)).Node("Add", ["x", "d"], "y")),
        ["dequantize_constant_int16_refused"] = Refuse(() => new TypedGraph(F, [3], 21).Tensor("w", I16, [3], 1, 2, 3).Tensor("s", F, null, 0.5)
            .Tensor("z", I16, null, 0).Node("DequantizeLinear", ["w", "s", "z"], "d").Node("Add", ["x", "d"], "y"), "DequantizeLinear_0", "INT16"),
        ["quantize_output_refused"] = Refuse(() => new TypedGraph(F, [2, 6]).Tensor("s", F, null, 0.1).Tensor("z", U8, null, 128)
            .Node("QuantizeLinear", ["x", "s", "z"], "y"), "QuantizeLinear_0", "UINT8", "DequantizeLinear"),
        ["quantize_dequantize_within_half_a_step"] = new(() => new TypedGraph(F, [2, 6]).Tensor("s", F, null, 0.05).Tensor("z", U8, null, 128)
            .Node("QuantizeLinear", ["x", "s", "z"], "q").Node("DequantizeLinear", ["q", "s", "z"], "y"), Atol: 0.025 + 1e-5),
        ["quantize_int8_zero_point_on_the_grid"] = new(() => new TypedGraph(F, [2, 6]).Tensor("s", F, null, 0.02).Tensor("z", I8, null, -3)
            .Node("QuantizeLinear", ["x", "s", "z"], "q").Node("DequantizeLinear", ["q", "s", "z"], "y"), Grid: 0.02),
        ["quantize_int16_zero_point_refused"] = Refuse(() => new TypedGraph(F, [2, 6], 21).Tensor("s", F, null, 0.1).Tensor("z", I16, null, 0)
            .Node("QuantizeLinear", ["x", "s", "z"], "q").Node("DequantizeLinear", ["q", "s", "z"], "y"), "QuantizeLinear_0", "INT16"),
        ["quantize_per_axis_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Tensor("s", F, [3], 0.1, 0.2, 0.3).Tensor("z", U8, [3], 1, 2, 3)
            .Node("QuantizeLinear", ["x", "s", "z"], "q", ("axis", 1L)).Node("DequantizeLinear", ["q", "s", "z"], "y", ("axis", 1L)),
            "QuantizeLinear_0", "per-channel"),
        ["qlinearconv_chain_attributes"] = new(() => Quantised([1, 2, 5, 5]).Random("w", U8, [2, 2, 3, 3], 4)
            .Tensor("ws", F, null, 0.01).Tensor("wz", U8, null, 6)
            .Node("QLinearConv", ["q", "xs", "xz", "w", "ws", "wz", "ys", "yz"], "c", ("pads", new long[] { 1, 0, 1, 2 }),
                ("strides", new long[] { 1, 2 }), ("dilations", new long[] { 1, 1 }), ("group", 1L), ("kernel_shape", new long[] { 3, 3 }))
            .Node("DequantizeLinear", ["c", "ys", "yz"], "y"), Atol: 0.025 + 1e-5, Grid: 0.02),
        ["qlinearconv_uint8_input_refused"] = Refuse(() => new TypedGraph(U8, [1, 2, 5, 5]).Tensor("xs", F, null, 0.02).Tensor("xz", U8, null, 128)
            .Random("w", U8, [2, 2, 3, 3], 4).Tensor("ws", F, null, 0.01).Tensor("wz", U8, null, 6).Tensor("ys", F, null, 0.05).Tensor("yz", U8, null, 100)
            .Node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], "c").Node("DequantizeLinear", ["c", "ys", "yz"], "y"),
            "QLinearConv_0", "plain tensor", "QuantizeLinear"),
        ["qlinearmatmul_chain"] = new(() => Quantised([2, 4]).Random("b", U8, [4, 3], 5).Tensor("bs", F, null, 0.01).Tensor("bz", U8, null, 6)
            .Node("QLinearMatMul", ["q", "xs", "xz", "b", "bs", "bz", "ys", "yz"], "m").Node("DequantizeLinear", ["m", "ys", "yz"], "y"),
            Atol: 0.025 + 1e-5, Grid: 0.02),
        ["qlinearmatmul_uint8_input_refused"] = Refuse(() => new TypedGraph(U8, [2, 4]).Tensor("xs", F, null, 0.02).Tensor("xz", U8, null, 128)
            .Random("b", U8, [4, 3], 5).Tensor("bs", F, null, 0.01).Tensor("bz", U8, null, 6).Tensor("ys", F, null, 0.05).Tensor("yz", U8, null, 100)
            .Node("QLinearMatMul", ["x", "xs", "xz", "b", "bs", "bz", "ys", "yz"], "m").Node("DequantizeLinear", ["m", "ys", "yz"], "y"),
            "QLinearMatMul_0", "plain tensor"),
        ["qlinearmatmul_other_scale_than_producer_refused"] = Refuse(() => Quantised([2, 4]).Tensor("as", F, null, 0.04)
            .Random("b", U8, [4, 3], 5).Tensor("bs", F, null, 0.01).Tensor("bz", U8, null, 6)
            .Node("QLinearMatMul", ["q", "as", "xz", "b", "bs", "bz", "ys", "yz"], "m").Node("DequantizeLinear", ["m", "ys", "yz"], "y"),
            "QLinearMatMul_1", "scale 0.04"),
        ["qlinearadd_chain"] = new(() => Quantised([2, 6], microsoft: true).Random("b", U8, [6], 6).Tensor("bs", F, null, 0.03).Tensor("bz", U8, null, 90)
            .DomainNode("com.microsoft", "QLinearAdd", ["q", "xs", "xz", "b", "bs", "bz", "ys", "yz"], "a").Node("DequantizeLinear", ["a", "ys", "yz"], "y"),
            Atol: 0.025 + 1e-5, Grid: 0.02),
        ["qlinearglobalaveragepool_channels_last"] = new(() => Quantised([1, 4, 4, 3], microsoft: true)
            .DomainNode("com.microsoft", "QLinearGlobalAveragePool", ["q", "xs", "xz", "ys", "yz"], "p", ("channels_last", 1L))
            .Node("DequantizeLinear", ["p", "ys", "yz"], "y"), Atol: 0.025 + 1e-5, Grid: 0.02),

        // 3. mismatched dtypes never reach libtorch
        ["matmul_int32_refused"] = Refuse(() => new TypedGraph(I32, [2, 4]).Random("w", I32, [4, 3], 1).Node("MatMul", ["x", "w"], "y"), "MatMul_0", "INT32"),
        ["matmul_float_int64_weight_refused"] = Refuse(() => new TypedGraph(F, [2, 4]).Random("w", I64, [4, 3], 1).Node("MatMul", ["x", "w"], "y"), "MatMul_0", "INT64"),
        ["conv_uint8_refused"] = Refuse(() => new TypedGraph(U8, Image).Random("w", U8, [2, 3, 3, 3], 1).Node("Conv", ["x", "w"], "y"), "Conv_0", "UINT8"),
        ["add_float_int32_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Random("c", I32, [3], 1).Node("Add", ["x", "c"], "y"), "Add_0", "INT32"),

        // 4. dtypes kept as ONNX defines them
        ["div_int32_truncates_and_stays_int32"] = new(() => new TypedGraph(I32, [2, 6]).Random("c", I32, [6], 2, nonZero: true).Node("Div", ["x", "c"], "y")),
        ["add_int32"] = new(() => new TypedGraph(I32, [2, 6]).Random("c", I32, [6], 2).Node("Add", ["x", "c"], "y")),
        ["mul_int64"] = new(() => new TypedGraph(I64, [2, 6]).Random("c", I64, [6], 2).Node("Mul", ["x", "c"], "y")),
        ["sub_uint8_wraps"] = new(() => new TypedGraph(U8, [2, 6], 14).Random("c", U8, [6], 2).Node("Sub", ["x", "c"], "y")),
        ["clip_int8_stays_int8"] = new(() => new TypedGraph(I8, [2, 6]).Tensor("lo", I8, null, -2).Tensor("hi", I8, null, 3).Node("Clip", ["x", "lo", "hi"], "y")),
        ["clip_uint8_min_only"] = new(() => new TypedGraph(U8, [2, 6]).Tensor("lo", U8, null, 4).Node("Clip", ["x", "lo"], "y")),
        ["relu_int8"] = new(() => new TypedGraph(I8, [2, 6], 14).Node("Relu", ["x"], "y")),
        ["cast_int32_to_float"] = new(() => new TypedGraph(I32, [2, 6]).Node("Cast", ["x"], "y", ("to", (long)F))),
        ["cast_float_to_int8"] = new(() => new TypedGraph(F, [2, 6]).Node("Cast", ["x"], "y", ("to", (long)I8))),
        ["cast_saturate_opset19"] = new(() => new TypedGraph(F, [2, 6], 19).Node("Cast", ["x"], "y", ("to", (long)DataType.Double), ("saturate", 1L))),
        ["gather_int32_indices_negative_axis"] = new(() => new TypedGraph(F, [2, 3, 4]).Tensor("i", I32, [2], 0, -1).Node("Gather", ["x", "i"], "y", ("axis", -1L))),
        ["gather_int64_data"] = new(() => new TypedGraph(I64, [4, 3]).Tensor("i", I64, [2, 2], 3, 0, 1, 1).Node("Gather", ["x", "i"], "y")),
        ["shape_start_end"] = new(() => new TypedGraph(F, Image, 15).Node("Shape", ["x"], "y", ("start", 1L), ("end", -1L))),

        // 5. old-opset semantics
        ["add_opset6_broadcast_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 6).Random("c", F, [3], 1).Node("Add", ["x", "c"], "y", ("broadcast", 1L)),
            "Add_0", "'broadcast'", "opset 7"),
        ["mul_opset6_axis_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 6).Random("c", F, [2], 1).Node("Mul", ["x", "c"], "y", ("axis", 0L)),
            "Mul_0", "'axis'"),
        ["gemm_opset6_broadcast_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 6).Random("b", F, [3, 4], 1).Random("c", F, [4], 1)
            .Node("Gemm", ["x", "b", "c"], "y", ("broadcast", 1L)), "Gemm_0", "'broadcast'"),
        ["relu_opset1_consumed_inputs_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 1).Node("Relu", ["x"], "y", ("consumed_inputs", new long[] { 0 })),
            "Relu_0", "'consumed_inputs'"),
        ["squeeze_axis_of_size_3_fails"] = new(() => new TypedGraph(F, [2, 3, 4]).Ints("a", 1).Node("Squeeze", ["x", "a"], "y"), FailsWhenRun: true),
        ["squeeze_opset11_attribute"] = new(() => new TypedGraph(F, [2, 1, 4], 11).Node("Squeeze", ["x"], "y", ("axes", new long[] { 1 }))),
        ["squeeze_all_ones"] = new(() => new TypedGraph(F, [2, 1, 4, 1]).Node("Squeeze", ["x"], "y")),
        ["unsqueeze_opset13_axes_input"] = new(() => new TypedGraph(F, [2, 3]).Ints("a", 0, -1).Node("Unsqueeze", ["x", "a"], "y")),
        ["reshape_opset4_refused"] = Refuse(() => new TypedGraph(F, [2, 6], 4).Node("Reshape", ["x"], "y", ("shape", new long[] { 3, 4 })), "Reshape_0", "opset 5"),
        ["concat_opset3_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 3).Node("Concat", ["x", "x"], "y"), "Concat_0", "opset 4"),

        // 6. refusals name ONNX types by name
        ["int16_initializer_refused"] = Refuse(() => new TypedGraph(I16, [2, 3]).Random("c", I16, [3], 1).Node("Add", ["x", "c"], "y"), "Add_0", "INT16"),
        ["uint16_initializer_refused"] = Refuse(() => new TypedGraph(F, [3]).Tensor("c", DataType.Uint16, [3], 1, 2, 3)
            .Node("Cast", ["c"], "f", ("to", (long)F)).Node("Add", ["x", "f"], "y"), "Cast_0", "UINT16"),
        ["uint32_initializer_refused"] = Refuse(() => new TypedGraph(F, [3]).Tensor("c", DataType.Uint32, [3], 1, 2, 3)
            .Node("Cast", ["c"], "f", ("to", (long)F)).Node("Add", ["x", "f"], "y"), "Cast_0", "UINT32"),
        ["uint64_initializer_refused"] = Refuse(() => new TypedGraph(F, [3]).Tensor("c", DataType.Uint64, [3], 1, 2, 3)
            .Node("Cast", ["c"], "f", ("to", (long)F)).Node("Add", ["x", "f"], "y"), "Cast_0", "UINT64"),
        ["double_initializer_refused"] = Refuse(() => new TypedGraph(F, [3]).Tensor("c", DataType.Double, [3], 1, 2, 3)
            .Node("Cast", ["c"], "f", ("to", (long)F)).Node("Add", ["x", "f"], "y"), "Cast_0", "DOUBLE"),
        ["cast_to_bfloat16_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("Cast", ["x"], "y", ("to", (long)DataType.Bfloat16)), "Cast_0", "'to'", "BFLOAT16"),

        // 7. everything checkable is checked when the module is built
        ["opset_99_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 99).Node("Relu", ["x"], "y"), "opset 99", "re-export"),
        ["newest_opset_runs"] = new(() => new TypedGraph(F, [2, 3], OperatorRegistry.MaxDefaultOpset).Node("Relu", ["x"], "y")),
        ["opset_after_the_newest_refused"] = Refuse(() => new TypedGraph(F, [2, 3], OperatorRegistry.MaxDefaultOpset + 1).Node("Relu", ["x"], "y"),
            $"opset {OperatorRegistry.MaxDefaultOpset + 1}"),
        ["unknown_attribute_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("Relu", ["x"], "y", ("foo", 1L)), "Relu_0", "Relu", "'foo'", "Remove"),
        ["unsupported_op_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("Relu", ["x"], "r").Node("Erf", ["r"], "y"), "Erf_1", "'Erf'"),
        ["microsoft_op_in_default_domain_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("QLinearAdd", ["x"], "y"), "QLinearAdd_0", "does not implement"),
        ["conv_on_rank3_refused"] = Refuse(() => new TypedGraph(F, [2, 3, 5]).Random("w", F, [4, 3, 3, 3], 1).Node("Conv", ["x", "w"], "y"), "Conv_0", "rank 3"),
        ["maxpool_on_rank3_refused"] = Refuse(() => new TypedGraph(F, [2, 3, 5]).Node("MaxPool", ["x"], "y", ("kernel_shape", new long[] { 2, 2 })), "MaxPool_0", "rank 3"),
        ["gemm_on_rank3_refused"] = Refuse(() => new TypedGraph(F, [2, 3, 5]).Random("b", F, [5, 4], 1).Node("Gemm", ["x", "b"], "y"), "Gemm_0", "rank 3"),
        ["rank3_after_reshape_into_pool_refused"] = Refuse(() => new TypedGraph(F, Image).Ints("s", 0, 3, -1)
            .Node("Reshape", ["x", "s"], "r").Node("GlobalAveragePool", ["r"], "p").Node("AveragePool", ["p"], "y", ("kernel_shape", new long[] { 2, 2 })),
            "AveragePool_2", "rank 3"),
        ["clip_opset11_min_attribute_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 11).Node("Clip", ["x"], "y", ("min", 0f)), "Clip_0", "'min'"),
        ["slice_opset10_attributes_refused"] = Refuse(() => new TypedGraph(F, [2, 3], 10).Ints("s", 0).Ints("e", 1)
            .Node("Slice", ["x", "s", "e"], "y", ("starts", new long[] { 0 })), "Slice_0", "opset 10"),
        ["unsqueeze_opset13_attribute_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("Unsqueeze", ["x"], "y", ("axes", new long[] { 0 })),
            "Unsqueeze_0", "axes"),
        ["transpose_wrong_perm_refused"] = Refuse(() => new TypedGraph(F, [2, 3]).Node("Transpose", ["x"], "y", ("perm", new long[] { 0, 2, 1 })),
            "Transpose_0", "perm"),

        // attributes of the other registered operators
        ["conv_kernel_shape_strides_pads_dilations_group"] = new(() => new TypedGraph(F, [2, 4, 7, 7]).Random("w", F, [4, 2, 3, 3], 1).Random("b", F, [4], 2)
            .Node("Conv", ["x", "w", "b"], "y", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 1 }), ("pads", new long[] { 1, 0, 2, 1 }),
                ("dilations", new long[] { 1, 2 }), ("group", 2L), ("auto_pad", "NOTSET"))),
        ["conv1d"] = new(() => new TypedGraph(F, [2, 3, 7]).Random("w", F, [4, 3, 3], 1).Node("Conv", ["x", "w"], "y", ("pads", new long[] { 1, 1 }))),
        ["gemm_transA_alpha_beta"] = new(() => new TypedGraph(F, [5, 2]).Random("b", F, [5, 4], 1).Random("c", F, [4], 2)
            .Node("Gemm", ["x", "b", "c"], "y", ("transA", 1L), ("alpha", 0.5f), ("beta", 2f))),
        ["matmul_batched"] = new(() => new TypedGraph(F, [2, 3, 4]).Random("b", F, [4, 5], 1).Node("MatMul", ["x", "b"], "y")),
        ["maxpool_dilations_storage_order"] = new(() => new TypedGraph(F, [2, 3, 7, 7]).Node("MaxPool", ["x"], "y", ("kernel_shape", new long[] { 2, 2 }),
            ("dilations", new long[] { 2, 2 }), ("storage_order", 0L), ("auto_pad", "VALID"))),
        ["averagepool_ceil_mode"] = new(() => new TypedGraph(F, [2, 3, 7, 7]).Node("AveragePool", ["x"], "y", ("kernel_shape", new long[] { 2, 2 }),
            ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L), ("count_include_pad", 0L))),
        ["globalmaxpool_tanh"] = new(() => new TypedGraph(F, Image).Node("Tanh", ["x"], "t").Node("GlobalMaxPool", ["t"], "y")),
        ["reducemean_keepdims_0"] = new(() => new TypedGraph(F, Image).Node("ReduceMean", ["x"], "y", ("axes", new long[] { 2, 3 }), ("keepdims", 0L))),
        ["reducemean_opset18_axes_input"] = new(() => new TypedGraph(F, Image, 18).Ints("a", 1, -1).Node("ReduceMean", ["x", "a"], "y")),
        ["reducemean_opset18_noop_with_empty_axes"] = new(() => new TypedGraph(F, Image, 18).Node("ReduceMean", ["x"], "y", ("noop_with_empty_axes", 1L))),
        ["softmax_axis_minus_1_opset13"] = new(() => new TypedGraph(F, Image).Node("Softmax", ["x"], "y", ("axis", -1L))),
        ["flatten_axis_0_and_2"] = new(() => new TypedGraph(F, Image).Node("Flatten", ["x"], "f", ("axis", 2L)).Node("Flatten", ["f"], "y", ("axis", 0L))),
        ["concat_axis_1_with_constant"] = new(() => new TypedGraph(F, [2, 3]).Random("c", F, [2, 2], 1).Node("Concat", ["x", "c"], "y", ("axis", 1L))),
        ["transpose_default_perm"] = new(() => new TypedGraph(F, [2, 3, 4]).Node("Transpose", ["x"], "y")),
        ["slice_opset9_attributes"] = new(() => new TypedGraph(F, [4, 6], 9).Node("Slice", ["x"], "y", ("starts", new long[] { 1, -4 }),
            ("ends", new long[] { 100, -1 }), ("axes", new long[] { 0, 1 }))),
        ["slice_int32_inputs_negative_start"] = new(() => new TypedGraph(F, [4, 6]).Tensor("s", I32, [1], -3).Tensor("e", I32, [1], 6)
            .Tensor("a", I32, [1], 1).Node("Slice", ["x", "s", "e", "a"], "y")),
        ["reshape_allowzero_opset14"] = new(() => new TypedGraph(F, Image, 14).Ints("s", 2, -1).Node("Reshape", ["x", "s"], "y", ("allowzero", 1L))),
        ["pad_reflect_opset13"] = new(() => new TypedGraph(F, Image).Ints("p", 0, 0, 1, 2, 0, 0, 2, 1).Node("Pad", ["x", "p"], "y", ("mode", "reflect"))),
        ["pad_constant_int32"] = new(() => new TypedGraph(I32, [2, 3]).Ints("p", 1, 0, 0, 2).Tensor("v", I32, null, 7).Node("Pad", ["x", "p", "v"], "y")),
        ["pad_opset2_value"] = new(() => new TypedGraph(F, Image, 2).Node("Pad", ["x"], "y", ("pads", new long[] { 0, 0, 1, 0, 0, 0, 0, 2 }), ("value", 1.5f))),
        ["sum_three_operands"] = new(() => new TypedGraph(F, [2, 3]).Random("a", F, [3], 1).Random("b", F, [2, 1], 2).Node("Sum", ["x", "a", "b"], "y")),
        ["leakyrelu_hardsigmoid_hardswish_sigmoid"] = new(() => new TypedGraph(F, [2, 6], 14).Node("LeakyRelu", ["x"], "a", ("alpha", 0.3f))
            .Node("HardSigmoid", ["a"], "b", ("alpha", 0.4f), ("beta", 0.6f)).Node("HardSwish", ["b"], "c").Node("Sigmoid", ["c"], "y")),
        ["averagepool_auto_pad_same_upper"] = new(() => new TypedGraph(F, [2, 3, 7, 7]).Node("AveragePool", ["x"], "y",
            ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("auto_pad", "SAME_UPPER"))),
        ["averagepool_dilations_opset19"] = new(() => new TypedGraph(F, [2, 3, 7, 7], 19).Node("AveragePool", ["x"], "y",
            ("kernel_shape", new long[] { 2, 2 }), ("dilations", new long[] { 1, 1 }))),
        ["averagepool_dilations_2_refused"] = Refuse(() => new TypedGraph(F, [2, 3, 7, 7], 19).Node("AveragePool", ["x"], "y",
            ("kernel_shape", new long[] { 2, 2 }), ("dilations", new long[] { 2, 2 })), "AveragePool_0", "dilated"),
        ["quantize_saturate_opset19"] = new(() => new TypedGraph(F, [2, 6], 19).Tensor("s", F, null, 0.02).Tensor("z", U8, null, 128)
            .Node("QuantizeLinear", ["x", "s", "z"], "q", ("saturate", 1L)).Node("DequantizeLinear", ["q", "s", "z"], "y"), Grid: 0.02),
        ["maxpool_on_quantised"] = new(() => Quantised([1, 2, 5, 5]).Node("MaxPool", ["q"], "p", ("kernel_shape", new long[] { 2, 2 }))
            .Node("DequantizeLinear", ["p", "xs", "xz"], "y"), Grid: 0.02),
        ["relu_on_quantised_refused"] = Refuse(() => Quantised([2, 6]).Node("Relu", ["q"], "r").Node("DequantizeLinear", ["r", "xs", "xz"], "y"),
            "Relu_1", "quantised UINT8", "DequantizeLinear"),
        ["qlinearconv_auto_pad_same_lower"] = new(() => Quantised([1, 2, 5, 5]).Random("w", U8, [2, 2, 3, 3], 4)
            .Tensor("ws", F, null, 0.01).Tensor("wz", U8, null, 6)
            .Node("QLinearConv", ["q", "xs", "xz", "w", "ws", "wz", "ys", "yz"], "c", ("auto_pad", "SAME_LOWER"), ("strides", new long[] { 2, 2 }))
            .Node("DequantizeLinear", ["c", "ys", "yz"], "y"), Atol: 0.025 + 1e-5, Grid: 0.02),
        ["gemm_transB"] = new(() => new TypedGraph(F, [2, 5]).Random("b", F, [4, 5], 1).Node("Gemm", ["x", "b"], "y", ("transB", 1L))),
        ["maxpool_ceil_mode_strides_asymmetric_pads"] = new(() => new TypedGraph(F, [2, 3, 7, 7]).Node("MaxPool", ["x"], "y",
            ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 1, 1, 0 }), ("ceil_mode", 1L))),
        ["averagepool_pads_include_pad"] = new(() => new TypedGraph(F, [2, 3, 7, 7]).Node("AveragePool", ["x"], "y",
            ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 0, 1, 2 }), ("count_include_pad", 1L))),
        ["clip_opset6_attributes_identity"] = new(() => new TypedGraph(F, [2, 6], 6).Node("Clip", ["x"], "c", ("min", -0.5f), ("max", 0.7f)).Node("Identity", ["c"], "y")),
    };

    public static TheoryData<string> Names() => new(Cases.Keys);

    [Fact]
    public void Every_attribute_a_registered_op_accepts_is_exercised()
    {
        var used = new HashSet<string>();
        IEnumerable<TypedGraph> graphs = Cases.Values.Select(c => c.Build())
            .Concat(DtypeSafetyTests.Probes.Values.Select(p => p.Build(F)));
        foreach (TypedGraph graph in graphs)
            foreach (var node in graph.Model.Graph.Node)
                foreach (var attribute in node.Attribute) used.Add($"{node.Domain}.{node.OpType}.{attribute.Name}");
        var missing = OperatorRegistry.Default.Operators
            .SelectMany(o => OperatorRegistry.SpecOf(o.Domain, o.OpType).Attributes.Select(a => $"{o.Domain}.{o.OpType}.{a}"))
            .Where(a => !used.Contains(a)).ToList();
        Assert.True(missing.Count == 0, "attributes no test graph uses: " + string.Join(", ", missing));
    }

    [Fact]
    public void Forward_with_another_type_than_the_graph_declares_is_refused_before_libtorch()
    {
        // MatMul of an INT8 tensor with the float weight would abort the process inside libtorch
        TypedGraph graph = new TypedGraph(F, [2, 4]).Random("w", F, [4, 3], 1).Node("MatMul", ["x", "w"], "y");
        using var module = OnnxModule.FromModel(graph.Model);
        var error = Assert.Throws<OnnxModuleException>(() => TypedRun.Module(module, I8, new double[8], [2, 4]));
        Assert.Contains("'x' is FLOAT", error.Message);
        TypedGraph integer = new TypedGraph(I32, [2, 3]).Random("c", I32, [3], 1).Node("Add", ["x", "c"], "y");
        using var integerModule = OnnxModule.FromModel(integer.Model);
        Assert.Throws<OnnxModuleException>(() => TypedRun.Module(integerModule, I64, new double[6], [2, 3]));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Node_computes_what_onnx_runtime_does_or_is_refused_when_built(string name)
    {
        Case c = Cases[name];
        TypedGraph graph = c.Build();
        if (c.Refusal is { } words)
        {
            var error = Assert.Throws<OnnxModuleException>(() => OnnxModule.FromModel(graph.Model));
            foreach (string word in words) Assert.Contains(word, error.Message);
            return;
        }
        double[] input = TypedGraph.Values(graph.InputType, graph.Shape.Aggregate(1L, (a, b) => a * b), seed: 7);
        if (c.Grid > 0) input = input.Select(v => Math.Round(v / c.Grid) * c.Grid).ToArray();
        using var module = OnnxModule.FromModel(graph.Model);
        TypedResult? reference = TypedRun.OnnxRuntime(graph, input, out string? runtimeError);
        if (c.FailsWhenRun)
        {
            Assert.Null(reference);
            Assert.Throws<OnnxModuleException>(() => TypedRun.Module(module, graph.InputType, input, graph.Shape));
            return;
        }
        Assert.True(reference is not null, $"ONNX Runtime refused the test graph: {runtimeError}");
        TypedResult actual = TypedRun.Module(module, graph.InputType, input, graph.Shape);
        Assert.Null(actual.Mismatch(reference, atol: c.Atol));
    }
}
