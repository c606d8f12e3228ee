using Google.Protobuf;
using TransferLearning.ML.Onnx;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxModelValidationTests : IDisposable
{
    private readonly string _folder = TemporaryFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void A_truncated_file_is_reported_as_truncated_with_its_path()
    {
        byte[] bytes = File.ReadAllBytes(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        string path = Write("truncated.onnx", bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("is not a valid ONNX model (protobuf parse failed at byte", error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Random_bytes_are_not_a_valid_onnx_model()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        string path = Write("random.onnx", bytes);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains($"'{path}' is not a valid ONNX model", error.Message);
        Assert.Contains("re-export it or check the download", error.Message);
    }

    [Fact]
    public void A_text_file_named_onnx_is_not_a_valid_onnx_model()
    {
        string path = Write("notes.onnx", "<html><body>404 Not Found</body></html>\n"u8.ToArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains($"'{path}' is not a valid ONNX model", error.Message);
    }

    [Fact]
    public void An_empty_file_is_not_a_valid_onnx_model()
    {
        string path = Write("empty.onnx", []);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void A_model_without_a_graph_is_rejected()
    {
        var proto = SmallClassifier();
        proto.Graph = null;

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.FromBytes(proto.ToByteArray()));

        Assert.Contains("no graph", error.Message);
    }

    [Fact]
    public void A_cycle_names_a_node_on_it()
    {
        var proto = SmallClassifier();
        // relu now reads the pool's output, which depends on relu
        proto.Graph.Node.Single(n => n.Name == "relu").Input[0] = "pooled";
        string path = Write("cycle.onnx", proto.ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains("cycle", error.Message);
        Assert.Contains(error.NodeName, new[] { "relu", "pool" });
        Assert.Contains($"'{error.NodeName}'", error.Message);
    }

    [Fact]
    public void A_missing_initializer_names_the_node_and_the_tensor()
    {
        var proto = SmallClassifier();
        proto.Graph.Initializer.Remove(proto.Graph.Initializer.Single(t => t.Name == "fc.weight"));
        string path = Write("missing.onnx", proto.ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains("'fc.weight'", error.Message);
        Assert.Contains("missing initializer", error.Message);
        Assert.Equal("fc", error.NodeName);
        Assert.Equal("Gemm", error.OpType);
    }

    [Fact]
    public void A_tensor_produced_twice_is_a_duplicate_output()
    {
        var proto = SmallClassifier();
        proto.Graph.Node.Single(n => n.Name == "flatten").Output[0] = "pooled";
        proto.Graph.Node.Single(n => n.Name == "fc").Input[0] = "pooled";

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.FromBytes(proto.ToByteArray()));

        Assert.Contains("duplicate output", error.Message);
        Assert.Contains("'pooled'", error.Message);
        Assert.Equal("flatten", error.NodeName);
    }

    [Fact]
    public void A_graph_output_listed_twice_is_a_duplicate_output()
    {
        var proto = SmallClassifier();
        proto.Graph.Output.Add(proto.Graph.Output[0].Clone());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.FromBytes(proto.ToByteArray()));

        Assert.Contains("'logits' twice (duplicate output)", error.Message);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        string path = Path.Combine(_folder, "absent.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => OnnxModel.Load(path));

        Assert.Contains(path, error.Message);
    }
}
