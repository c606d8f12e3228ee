using System.Globalization;
using Google.Protobuf;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxModelExternalDataTests : IDisposable
{
    private readonly string _folder = TemporaryFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Moves the two weight matrices of <paramref name="model"/> into <paramref name="dataFile"/> (at
    /// offsets 0 and 100) and returns the model that refers to them.</summary>
    private ModelProto WithExternalWeights(ModelProto model, string dataFile, string location)
    {
        var external = model.Clone();
        using var data = File.Create(dataFile);
        long offset = 0;
        foreach (string name in new[] { "conv.weight", "fc.weight" })
        {
            var tensor = external.Graph.Initializer.Single(t => t.Name == name);
            data.Position = offset;
            tensor.RawData.WriteTo(data);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(CultureInfo.InvariantCulture) });
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.RawData = ByteString.Empty;
            offset += 100;
        }
        return external;
    }

    [Fact]
    public void External_weights_are_read_into_the_model_and_give_the_inline_results()
    {
        var inline = SmallClassifier(seed: 3);
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, WithExternalWeights(inline, Path.Combine(_folder, "model.weights"), "model.weights").ToByteArray());

        var loaded = OnnxModel.Load(path);

        Assert.All(loaded.Graph.Initializer, t => Assert.Equal(TensorProto.Types.DataLocation.Default, t.DataLocation));
        float[] images = Images(seed: 5, count: 2, channels: 1, height: 6, width: 6);
        float[] expected = Run(inline.ToByteArray(), "x", images, [2, 1, 6, 6], "logits")[0];
        float[] actual = Run(loaded.ToBytes(), "x", images, [2, 1, 6, 6], "logits")[0];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void External_data_in_a_sub_folder_is_allowed()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "weights"));
        var inline = SmallClassifier();
        File.WriteAllBytes(Path.Combine(_folder, "model.onnx"),
            WithExternalWeights(inline, Path.Combine(_folder, "weights", "w.bin"), "weights/w.bin").ToByteArray());

        var loaded = OnnxModel.Load(Path.Combine(_folder, "model.onnx"));

        Assert.Equal(inline.Graph.Initializer, loaded.Graph.Initializer);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("weights/../../outside.bin")]
    [InlineData("/tmp/outside.bin")]
    public void A_location_escaping_the_model_folder_is_rejected(string location)
    {
        string modelFolder = Path.Combine(_folder, "model");
        Directory.CreateDirectory(modelFolder);
        var external = WithExternalWeights(SmallClassifier(), Path.Combine(_folder, "outside.bin"), location);
        string path = Path.Combine(modelFolder, "model.onnx");
        File.WriteAllBytes(path, external.ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains($"'{location}'", error.Message);
        Assert.Contains("outside the model's folder", error.Message);
    }

    [Fact]
    public void External_data_shorter_than_declared_is_reported_as_truncated()
    {
        string data = Path.Combine(_folder, "w.bin");
        var external = WithExternalWeights(SmallClassifier(), data, "w.bin");
        using (var stream = new FileStream(data, FileMode.Open)) stream.SetLength(110); // conv.weight (bytes 0..72) stays whole, fc.weight (100..124) is cut
        string path = Path.Combine(_folder, "model.onnx");
        File.WriteAllBytes(path, external.ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(path));

        Assert.Contains("truncated", error.Message);
        Assert.Contains("'fc.weight'", error.Message);
    }

    [Fact]
    public void Bytes_with_external_data_need_a_folder()
    {
        var external = WithExternalWeights(SmallClassifier(), Path.Combine(_folder, "w.bin"), "w.bin");

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.FromBytes(external.ToByteArray()));
        var loaded = OnnxModel.FromBytes(external.ToByteArray(), _folder);

        Assert.Contains("externalDataDirectory", error.Message);
        Assert.Equal(SmallClassifier().Graph.Initializer, loaded.Graph.Initializer);
    }

    [Fact]
    public void A_model_above_the_size_limit_is_saved_with_external_data_that_onnx_runtime_reads()
    {
        var model = OnnxModel.FromBytes(SmallClassifier(seed: 9).ToByteArray());
        var bigGraph = model.Proto.Clone();
        // a 4 KiB weight so that something goes to the data file (small tensors stay inline)
        bigGraph.Graph.Initializer.Add(FloatTensor("unused.weight", new float[1024], 1024));
        var big = OnnxModel.FromBytes(bigGraph.ToByteArray());
        string path = Path.Combine(_folder, "big.onnx");

        big.Save(path, externalDataThreshold: 1000);

        Assert.Equal(["big.onnx", "big.onnx.data"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        Assert.True(new FileInfo(path).Length < 2048);
        Assert.Equal(big.Proto, OnnxModel.Load(path).Proto);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        float[] images = Images(seed: 2, count: 1, channels: 1, height: 6, width: 6);
        Assert.Equal(Run(model.ToBytes(), "x", images, [1, 1, 6, 6], "logits")[0],
            Run(session, "x", images, [1, 1, 6, 6], "logits")[0]);
    }
}
