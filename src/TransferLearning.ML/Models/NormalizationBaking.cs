using Google.Protobuf;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Models;

/// <summary>
/// Moves the per-channel <c>(x − mean) / std</c> of <see cref="ImagePreprocessing.Normalization"/> into an ONNX
/// graph: the graph input keeps its name but now takes values in [0, 1], and a Sub and a Div node produce the
/// normalised tensor the backbone's first nodes read. Runtimes whose image transforms only scale (ML.NET's
/// ExtractPixels) can then feed the graph directly.
/// </summary>
internal static class NormalizationBaking
{
    private const string Prefix = "tl.normalize/";

    /// <param name="graph">The classifier graph, changed in place.</param>
    /// <param name="inputName">Its image input.</param>
    /// <param name="preprocessing">The normalisation to bake in.</param>
    /// <param name="newInputName">A new name for the image input (e.g. a valid ML.NET column name); default: keep it.</param>
    public static void Prepend(GraphProto graph, string inputName, ImagePreprocessing preprocessing, string? newInputName = null)
    {
        var input = graph.Input.FirstOrDefault(i => i.Name == inputName)
            ?? throw new InvalidOperationException($"The classifier graph has no input '{inputName}' to normalise.");
        string external = newInputName ?? inputName;
        string centred = Prefix + "centred", normalised = Prefix + "normalised";
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == inputName) node.Input[i] = normalised;
        foreach (var output in graph.Output)
            if (output.Name == inputName)
                throw new InvalidOperationException($"The graph input '{inputName}' is also an output; it cannot be normalised in place.");

        int channels = preprocessing.Channels;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            mean[c] = preprocessing.Normalization.MeanOf(c);
            std[c] = preprocessing.Normalization.StdOf(c);
        }
        graph.Initializer.Add(ChannelConstant(Prefix + "mean", mean));
        graph.Initializer.Add(ChannelConstant(Prefix + "std", std));
        // the library's Tensorizer computes v / std - mean / std; Sub then Div differs from it only by float
        // rounding (~1e-7 relative), and keeps the formula the metadata documents literal
        input.Name = external;
        graph.Node.Insert(0, Node("Sub", Prefix + "sub", [external, Prefix + "mean"], centred));
        graph.Node.Insert(1, Node("Div", Prefix + "div", [centred, Prefix + "std"], normalised));
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }

    private static TensorProto ChannelConstant(string name, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add([1, values.Length, 1, 1]);
        byte[] raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }
}
