using TorchSharp;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Each operator's attribute handling matches ONNX Runtime on a small graph.</summary>
public sealed class OperatorTests
{
    public static TheoryData<string> Cases() => new(Graphs.Keys);

    private static readonly long[] Image = [2, 3, 9, 9];

    private static readonly Dictionary<string, Func<TinyGraph>> Graphs = new()
    {
        ["conv_asymmetric_pads_groups_dilations"] = () => new TinyGraph(Image).Weight("w", [6, 1, 3, 3], 1).Weight("b", [6], 2)
            .Node("Conv", ["x", "w", "b"], "y", ("group", 3L), ("pads", new long[] { 0, 1, 2, 1 }), ("strides", new long[] { 2, 1 }), ("dilations", new long[] { 1, 2 })),
        ["conv_same_upper"] = () => new TinyGraph(Image).Weight("w", [4, 3, 4, 4], 1)
            .Node("Conv", ["x", "w"], "y", ("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 })),
        ["conv_same_lower"] = () => new TinyGraph(Image).Weight("w", [4, 3, 4, 4], 1)
            .Node("Conv", ["x", "w"], "y", ("auto_pad", "SAME_LOWER"), ("strides", new long[] { 2, 2 })),
        ["conv_valid"] = () => new TinyGraph(Image).Weight("w", [4, 3, 3, 3], 1).Node("Conv", ["x", "w"], "y", ("auto_pad", "VALID")),
        ["gemm_alpha_beta_transposes"] = () => new TinyGraph([2, 5]).Weight("b", [5, 4], 1).Weight("c", [4], 2)
            .Node("Gemm", ["x", "b", "c"], "y", ("alpha", 0.5f), ("beta", 2f)),
        ["gemm_transB"] = () => new TinyGraph([2, 5]).Weight("b", [4, 5], 1).Weight("c", [4], 2).Node("Gemm", ["x", "b", "c"], "y", ("transB", 1L)),
        ["matmul"] = () => new TinyGraph([2, 5]).Weight("b", [5, 3], 1).Node("MatMul", ["x", "b"], "y"),
        ["maxpool_ceil_asymmetric"] = () => new TinyGraph(Image)
            .Node("MaxPool", ["x"], "y", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 0, 1, 1 }), ("ceil_mode", 1L)),
        ["avgpool_exclude_pad"] = () => new TinyGraph(Image)
            .Node("AveragePool", ["x"], "y", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 })),
        ["avgpool_include_pad"] = () => new TinyGraph(Image)
            .Node("AveragePool", ["x"], "y", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 1L)),
        ["avgpool_asymmetric_exclude_pad"] = () => new TinyGraph(Image)
            .Node("AveragePool", ["x"], "y", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 0, 0, 1, 1 })),
        ["clip_opset6_attributes"] = () => new TinyGraph(Image, opset: 6).Node("Clip", ["x"], "y", ("min", -0.2f), ("max", 0.3f)),
        ["clip_inputs_relu6"] = () => new TinyGraph(Image).Scalar("lo", 0f).Scalar("hi", 0.5f).Node("Clip", ["x", "lo", "hi"], "y"),
        // bounds 0 and 6 under autograd run as relu6: inputs scaled past both bounds
        ["clip_relu6_bounds_0_6"] = () => new TinyGraph(Image).Scalar("k", 9f).Scalar("lo", 0f).Scalar("hi", 6f)
            .Node("Mul", ["x", "k"], "m").Node("Clip", ["m", "lo", "hi"], "y"),
        ["hardsigmoid_hardswish_leakyrelu"] = () => new TinyGraph(Image, opset: 14)
            .Node("HardSigmoid", ["x"], "a", ("alpha", 0.3f)).Node("HardSwish", ["a"], "b").Node("LeakyRelu", ["b"], "y", ("alpha", 0.2f)),
        ["softmax_reducemean_transpose"] = () => new TinyGraph(Image)
            .Node("Softmax", ["x"], "a", ("axis", 1L)).Node("ReduceMean", ["a"], "b", ("axes", new long[] { 3 }))
            .Node("Transpose", ["b"], "y", ("perm", new long[] { 0, 2, 1, 3 })),
        ["softmax_opset11_coerces_to_2d"] = () => new TinyGraph(Image, opset: 11).Node("Softmax", ["x"], "y", ("axis", 2L)),
        ["dynamic_flatten_shape_gather_unsqueeze_concat_reshape"] = () => new TinyGraph(Image).Ints("zero", 0).Ints("rest", -1).IntScalar("first", 0)
            .Node("Shape", ["x"], "s").Node("Gather", ["s", "first"], "n", ("axis", 0L))
            .Node("Unsqueeze", ["n", "zero"], "n1").Node("Concat", ["n1", "rest"], "shape", ("axis", 0L))
            .Node("Reshape", ["x", "shape"], "y"),
        ["reshape_zero_and_minus_one_squeeze_slice"] = () => new TinyGraph(Image).Ints("shape", 0, 3, -1).Ints("starts", 1).Ints("ends", 100)
            .Ints("axes", 2).Ints("steps", 2)
            .Node("Reshape", ["x", "shape"], "r").Node("Slice", ["r", "starts", "ends", "axes", "steps"], "s")
            .Node("Unsqueeze", ["s", "axes"], "u").Node("Squeeze", ["u", "axes"], "y"),
        ["unsqueeze_opset11_attribute"] = () => new TinyGraph(Image, opset: 11).Node("Unsqueeze", ["x"], "y", ("axes", new long[] { 1, -1 })),
        ["pad_input_constant_then_avgpool"] = () => new TinyGraph(Image).Ints("pads", 0, 0, 1, 2, 0, 0, 3, 0).Scalar("v", 0.5f)
            .Node("Pad", ["x", "pads", "v"], "p", ("mode", "constant")).Node("GlobalAveragePool", ["p"], "y"),
        ["pad_opset2_edge"] = () => new TinyGraph(Image, opset: 2)
            .Node("Pad", ["x"], "y", ("mode", "edge"), ("pads", new long[] { 0, 0, 1, 2, 0, 0, 2, 1 })),
        ["sub_div_mul_add_sigmoid_cast"] = () => new TinyGraph(Image).Scalar("k", 3f)
            .Node("Sub", ["x", "k"], "a").Node("Div", ["a", "k"], "b").Node("Sigmoid", ["b"], "c").Node("Mul", ["c", "x"], "d")
            .Node("Add", ["d", "x"], "e").Node("Cast", ["e"], "y", ("to", 1L)),
        // the Relu is the last reader of c, but the view r of c is read after it: c must not be overwritten
        ["view_outlives_the_last_reader"] = () => new TinyGraph(Image).Weight("w", [4, 3, 3, 3], 1).Ints("shape", 0, -1)
            .Node("Conv", ["x", "w"], "c").Node("Reshape", ["c", "shape"], "r").Node("Relu", ["c"], "u")
            .Node("Reshape", ["u", "shape"], "v").Node("Add", ["v", "r"], "y"),
        ["batchnorm_inference_identity_dropout"] = () => new TinyGraph(Image).Weight("g", [3], 1).Weight("b", [3], 2).Weight("m", [3], 3)
            .Weight("v", [3], 4, offset: 2f).Node("Identity", ["x"], "i").Node("Dropout", ["i"], "d")
            .Node("BatchNormalization", ["d", "g", "b", "m", "v"], "y"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Operator_matches_onnx_runtime(string name)
    {
        ModelProto model = Graphs[name]().Model;
        long[] shape = model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue == 0 ? 2 : d.DimValue).ToArray();
        float[] input = ModuleFixtures.RandomInput(shape.Aggregate(1L, (a, b) => a * b), seed: 3);
        using var module = OnnxModule.FromModel(model);
        module.eval();
        using var scope = NewDisposeScope();
        float[] expected = OnnxRuntimeReference.Run(model, "x", input, shape);
        // without autograd the module overwrites tensors in place where it can; with it, never
        foreach (bool recordGradients in new[] { false, true })
        {
            using var gradients = enable_grad(recordGradients);
            float[] actual = ModuleFixtures.ToArray(module.forward(torch.tensor(input, shape)));
            double error = OnnxRuntimeReference.RelativeError(actual, expected);
            Assert.True(error <= 1e-5, $"{name} (grad {recordGradients}): error {error:E2}");
        }
    }

    [Fact]
    public void Relu6_clip_under_autograd_passes_the_gradient_inside_its_bounds_only()
    {
        ModelProto model = Graphs["clip_relu6_bounds_0_6"]().Model;
        float[] input = ModuleFixtures.RandomInput(2 * 3 * 9 * 9, seed: 5);
        using var module = OnnxModule.FromModel(model);
        using var scope = NewDisposeScope();
        Tensor x = torch.tensor(input, Image).requires_grad_(true);
        module.forward(x).sum().backward();
        float[] gradient = ModuleFixtures.ToArray(x.grad!);
        int inside = 0, outside = 0;
        for (int i = 0; i < input.Length; i++)
        {
            float scaled = input[i] * 9f;
            if (scaled is > 0f and < 6f) { Assert.Equal(9f, gradient[i]); inside++; }
            else if (scaled is < 0f or > 6f) { Assert.Equal(0f, gradient[i]); outside++; }
        }
        Assert.True(inside > 0 && outside > 0, $"the input reaches both sides of the bounds ({inside} inside, {outside} outside)");
    }

    [Fact]
    public void Unsupported_operator_is_named_with_its_node_and_opset()
    {
        ModelProto model = new TinyGraph(Image, opset: 13).Node("Relu", ["x"], "a").Node("Foo", ["a"], "y").Model;
        var error = Assert.Throws<OnnxModuleException>(() => OnnxModule.FromModel(model));
        Assert.Contains("Node 'Foo_1' uses op 'Foo' (opset 13), which OnnxModule does not implement", error.Message);
    }

    [Fact]
    public void Unsupported_operator_after_the_output_is_dropped()
    {
        ModelProto model = new TinyGraph(Image).Node("Relu", ["x"], "a").Node("Foo", ["a"], "y").Model;
        using var module = OnnxModule.FromModel(model, new OnnxModuleOptions { OutputName = "a" });
        using var scope = NewDisposeScope();
        Assert.Equal(Image, module.forward(torch.randn(Image)).shape);
    }
}
