using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Moves the weights of a model too large for one protobuf message (2 GiB) into a <c>.data</c> file beside it,
/// as ONNX external data that ONNX Runtime and <see cref="OnnxModel.Load"/> read back.
/// </summary>
internal static class ExternalDataWriter
{
    /// <summary>Protobuf's hard limit for one message.</summary>
    public const long ProtobufLimit = int.MaxValue;

    /// <summary>Room left below the limit for the graph itself.</summary>
    public const long Margin = 64L * 1024 * 1024;

    /// <summary>Tensors smaller than this stay inline: they are shapes and scalars, not weights.</summary>
    private const int MinimumExternalBytes = 1024;

    /// <summary>Offsets are aligned so that runtimes can memory-map the data.</summary>
    private const int Alignment = 4096;

    /// <summary>
    /// Writes the model and its data file together (see <see cref="AtomicFile.WriteAll"/>): the copy of the
    /// model that is written refers to the weights in <c>&lt;file name&gt;.data</c>.
    /// </summary>
    public static void Save(ModelProto model, string modelPath)
    {
        string dataName = Path.GetFileName(modelPath) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(modelPath) ?? ".", dataName);
        var copy = model.Clone(); // tensors share their (immutable) bytes with the original
        copy.Graph.Initializer.Clear();
        var moved = new List<(TensorProto Tensor, ByteString Bytes)>();
        foreach (var tensor in model.Graph.Initializer)
        {
            ByteString bytes = RawBytes(tensor);
            if (bytes.Length < MinimumExternalBytes)
            {
                copy.Graph.Initializer.Add(tensor);
                continue;
            }
            var external = new TensorProto { Name = tensor.Name, DataType = tensor.DataType, DocString = tensor.DocString };
            external.Dims.AddRange(tensor.Dims);
            copy.Graph.Initializer.Add(external);
            moved.Add((external, bytes));
        }

        long end = 0;
        foreach (var (tensor, bytes) in moved)
        {
            end += (Alignment - end % Alignment) % Alignment;
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(Entry("location", dataName));
            tensor.ExternalData.Add(Entry("offset", end.ToString(CultureInfo.InvariantCulture)));
            tensor.ExternalData.Add(Entry("length", bytes.Length.ToString(CultureInfo.InvariantCulture)));
            end += bytes.Length;
        }

        AtomicFile.WriteAll([(dataPath, stream =>
        {
            long offset = 0;
            foreach (var (_, bytes) in moved)
            {
                long padding = (Alignment - offset % Alignment) % Alignment;
                for (long i = 0; i < padding; i++) stream.WriteByte(0);
                offset += padding;
                bytes.WriteTo(stream);
                offset += bytes.Length;
            }
        }), (modelPath, stream => copy.WriteTo(stream))]);
    }

    /// <summary>The tensor's values as little-endian raw bytes, whichever field holds them.</summary>
    private static ByteString RawBytes(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty) return tensor.RawData;
        if (tensor.FloatData.Count > 0)
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()));
        if (tensor.Int64Data.Count > 0)
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.Int64Data.ToArray().AsSpan()));
        if (tensor.DoubleData.Count > 0)
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(tensor.DoubleData.ToArray().AsSpan()));
        // int32_data also carries 8/16-bit types, whose raw form is narrower: leave those inline
        return ByteString.Empty;
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };
}
