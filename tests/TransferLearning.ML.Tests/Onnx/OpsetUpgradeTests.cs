using Google.Protobuf;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

/// <summary>The export rule of docs/models.md: old-opset nodes rewritten to opset 13 with the same outputs, or refused by name.</summary>
public sealed class OpsetUpgradeTests : IDisposable
{
    private readonly string _folder = TemporaryFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// An opset-8, IR-3 graph with every attribute form that changed before 13: x [N,2,4,4] → BatchNormalization
    /// (spatial) → Clip (min/max) → Pad (pads/value) → Slice (starts/ends/axes) → Dropout (ratio) → Softmax (axis 1
    /// of a rank-4 tensor, which opset 8 coerces to 2-D) → Unsqueeze (axes) → y.
    /// </summary>
    private static ModelProto Opset8Graph()
    {
        var random = new Random(4);
        var graph = new GraphProto { Name = "opset8" };
        graph.Input.Add(ValueInfo("x", TensorProto.Types.DataType.Float, null, 2, 4, 4));
        graph.Output.Add(ValueInfo("y", TensorProto.Types.DataType.Float, null, 1, 2, 4, 5));
        foreach (string name in new[] { "scale", "bias", "mean" }) graph.Initializer.Add(FloatTensor(name, Values(random, 2), 2));
        graph.Initializer.Add(FloatTensor("var", [0.5f, 1.5f], 2));
        foreach (var tensor in graph.Initializer)
            graph.Input.Add(ValueInfo(tensor.Name, TensorProto.Types.DataType.Float, 2));
        graph.Node.Add(Node("bn", "BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn_out"], Int("spatial", 1)));
        graph.Node.Add(Node("clip", "Clip", ["bn_out"], ["clip_out"], Float("min", -0.5f), Float("max", 0.75f)));
        graph.Node.Add(Node("pad", "Pad", ["clip_out"], ["pad_out"], Ints("pads", 0, 0, 1, 0, 0, 0, 0, 2), Float("value", 0.25f)));
        graph.Node.Add(Node("slice", "Slice", ["pad_out"], ["slice_out"], Ints("starts", 1, 0), Ints("ends", 5, 5), Ints("axes", 2, 3)));
        graph.Node.Add(Node("dropout", "Dropout", ["slice_out"], ["dropout_out"], Float("ratio", 0.3f)));
        graph.Node.Add(Node("softmax", "Softmax", ["dropout_out"], ["softmax_out"], Int("axis", 1)));
        graph.Node.Add(Node("unsqueeze", "Unsqueeze", ["softmax_out"], ["y"], Ints("axes", 1)));
        var model = new ModelProto { IrVersion = 3, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 8 });
        return model;
    }

    [Fact]
    public void An_opset_8_graph_becomes_opset_13_at_IR_7_with_the_same_outputs()
    {
        var source = Opset8Graph();
        var upgraded = source.Clone();
        OpsetUpgrade.Apply(upgraded);

        Assert.Equal(13, Assert.Single(upgraded.OpsetImport).Version);
        Assert.Equal(7, upgraded.IrVersion);
        Assert.Equal(["x"], upgraded.Graph.Input.Select(i => i.Name));
        Assert.DoesNotContain(upgraded.Graph.Node.SelectMany(n => n.Attribute),
            a => a.Name is "spatial" or "min" or "max" or "pads" or "value" or "starts" or "ends" or "ratio" or "axes");
        float[] input = Images(seed: 9, count: 3, channels: 2, height: 4, width: 4);
        float[] expected = Run(source.ToByteArray(), "x", input, [3, 2, 4, 4], "y")[0];
        float[] actual = Run(upgraded.ToByteArray(), "x", input, [3, 2, 4, 4], "y")[0];
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
    }

    [OnnxCheckerFact]
    public void The_upgraded_graph_passes_the_onnx_checker_and_the_source_does_not()
    {
        var source = Opset8Graph();
        source.Graph.Input.RemoveAt(source.Graph.Input.Count - 1); // IR 3: an initializer missing from the inputs
        string before = Path.Combine(_folder, "opset8.onnx"), after = Path.Combine(_folder, "opset13.onnx");
        File.WriteAllBytes(before, source.ToByteArray());
        OpsetUpgrade.Apply(source);
        File.WriteAllBytes(after, source.ToByteArray());

        Assert.NotEqual(0, OnnxChecker.Check(before).ExitCode);
        var check = OnnxChecker.Check(after);
        Assert.True(check.ExitCode == 0, check.Output);
    }

    [Fact]
    public void Opset_13_graphs_keep_their_nodes_and_a_higher_IR_version()
    {
        var model = SmallClassifier(); // IR 8, opset 13
        var upgraded = model.Clone();
        OpsetUpgrade.Apply(upgraded);
        Assert.Equal(model, upgraded);
    }

    [Fact]
    public void Per_activation_batch_normalization_is_refused_by_node_and_opset_and_the_model_is_unchanged()
    {
        var model = Opset8Graph();
        model.Graph.Node[0].Attribute[0].I = 0;
        var before = model.Clone();
        var error = Assert.Throws<OnnxModelException>(() => OpsetUpgrade.Apply(model));
        Assert.Equal("bn", error.NodeName);
        Assert.Equal("BatchNormalization", error.OpType);
        Assert.Contains("opset 8", error.Message);
        Assert.Contains("spatial = 0", error.Message);
        Assert.Equal(before, model);
    }

    [Fact]
    public void Opsets_below_7_are_refused()
    {
        var model = Opset8Graph();
        model.OpsetImport[0].Version = 6;
        var error = Assert.Throws<OnnxModelException>(() => OpsetUpgrade.Apply(model));
        Assert.Contains("opset 6", error.Message);
    }

    [Fact]
    public void The_IR_version_follows_the_release_that_introduced_the_opset()
    {
        Assert.Equal([3L, 3, 4, 5, 6, 7, 7, 7, 8, 8, 9, 10, 11],
            new long[] { 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 21, 23 }.Select(OpsetUpgrade.MinimumIrVersion));
    }

    private static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
