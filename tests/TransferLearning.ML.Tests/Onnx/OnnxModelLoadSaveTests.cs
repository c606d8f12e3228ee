using Google.Protobuf;
using Microsoft.ML.OnnxRuntime.Tensors;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxModelLoadSaveTests : IDisposable
{
    private readonly string _folder = TemporaryFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Load_then_save_then_load_gives_an_equal_model()
    {
        var original = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));
        string copy = Path.Combine(_folder, "copy.onnx");

        original.Save(copy);
        var reloaded = OnnxModel.Load(copy);

        Assert.Equal(original.Proto, reloaded.Proto);
        Assert.Equal(original.ToBytes(), File.ReadAllBytes(copy));
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Sha256_is_the_hash_of_the_file_bytes()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        Assert.Equal("70d778491d9aab0211b0c63c3d4893c86b59aac73db8d2834c6a77cada639393", model.Sha256);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Inputs_outputs_opset_and_producer_are_read_from_the_file()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        Assert.Equal(13, model.Opset);
        Assert.Equal("pytorch", model.ProducerName);
        var input = Assert.Single(model.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal(new long?[] { null, 3, 224, 224 }, input.Dimensions);
        var output = Assert.Single(model.Outputs);
        Assert.Equal("logits", output.Name);
        Assert.Equal(new long?[] { null, 1000 }, output.Dimensions);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void OpsetFor_reads_each_domain_and_is_null_for_a_domain_not_imported()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));

        Assert.Equal(12, model.Opset);
        Assert.Equal(1, model.OpsetFor("com.microsoft"));
        Assert.Equal(12, model.OpsetFor("ai.onnx"));
        Assert.Null(model.OpsetFor("org.example.none"));
    }

    [Fact]
    public void Metadata_exposes_metadata_props()
    {
        var proto = SmallClassifier();
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "normalization", Value = "imagenet" });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = "3" });

        var model = OnnxModel.FromBytes(proto.ToByteArray());

        Assert.Equal("imagenet", model.Metadata["normalization"]);
        Assert.Equal("3", model.Metadata["classes"]);
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllText(path, "an older file");
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        model.Save(path);

        Assert.Equal(model.ToBytes(), File.ReadAllBytes(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_creates_a_missing_folder_and_leaves_no_temporary_file()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());
        string path = Path.Combine(_folder, "absent", "model.onnx");

        model.Save(path);

        Assert.Equal(model.ToBytes(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Clone_is_a_deep_copy()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        var clone = model.Clone();
        clone.Graph.Node.RemoveAt(0);

        Assert.Equal(5, model.Graph.Node.Count);
        Assert.Equal(model.Sha256, clone.Sha256);
    }

    [Fact]
    public void TopologicalNodes_orders_a_graph_stored_out_of_order()
    {
        var proto = SmallClassifier();
        var reversed = proto.Graph.Node.Reverse().ToArray();
        proto.Graph.Node.Clear();
        proto.Graph.Node.Add(reversed);

        var order = OnnxModel.FromBytes(proto.ToByteArray()).TopologicalNodes().Select(n => n.Name);

        Assert.Equal(["conv", "relu", "pool", "flatten", "fc"], order);
    }
}
