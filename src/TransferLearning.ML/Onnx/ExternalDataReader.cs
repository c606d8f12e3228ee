using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Reads initializers stored as ONNX external data (<c>data_location = EXTERNAL</c> with <c>location</c>,
/// <c>offset</c>, <c>length</c>) into <c>raw_data</c>, so that nothing after loading deals with external files.
/// </summary>
internal static class ExternalDataReader
{
    public static void Inline(ModelProto model, string? directory, string? filePath)
    {
        foreach (var tensor in model.Graph.Initializer)
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External) continue;
            if (directory is null)
                throw new OnnxModelException(
                    $"Initializer '{tensor.Name}' is stored as external data, but the model was given as bytes without a " +
                    "folder: pass externalDataDirectory to OnnxModel.FromBytes, or load the model with OnnxModel.Load(path).",
                    filePath);
            tensor.RawData = ByteString.CopyFrom(Read(tensor, directory, filePath));
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
        }
    }

    private static byte[] Read(TensorProto tensor, string directory, string? filePath)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseNumber(entry, tensor, filePath); break;
                case "length": length = ParseNumber(entry, tensor, filePath); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new OnnxModelException(
                $"Initializer '{tensor.Name}' is stored as external data but names no 'location': re-export the model.",
                filePath);

        string root = Path.GetFullPath(directory);
        string file = Path.GetFullPath(Path.Combine(root, location));
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (Path.IsPathRooted(location) || !file.StartsWith(rootWithSeparator, StringComparison.Ordinal))
            throw new OnnxModelException(
                $"Initializer '{tensor.Name}' names external data '{location}', which lies outside the model's folder " +
                $"'{root}'. Refusing to read it: external data must sit in the model's folder or below it.", filePath);
        if (!File.Exists(file))
            throw new OnnxModelException(
                $"Initializer '{tensor.Name}' is stored in external data file '{file}', which does not exist: copy the " +
                "model's .data file(s) next to the .onnx file.", filePath);

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        long available = stream.Length - offset;
        long count = length ?? available;
        if (offset < 0 || count < 0 || offset + count > stream.Length)
            throw new OnnxModelException(
                $"Initializer '{tensor.Name}' asks for bytes {offset}..{offset + count} of '{file}', which has only " +
                $"{stream.Length} bytes: the external data file is truncated or belongs to another export.", filePath);
        if (count > Array.MaxLength)
            throw new OnnxModelException(
                $"Initializer '{tensor.Name}' is {count} bytes, more than one .NET array can hold.", filePath);
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long ParseNumber(StringStringEntryProto entry, TensorProto tensor, string? filePath) =>
        long.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
            out long value)
            ? value
            : throw new OnnxModelException(
                $"Initializer '{tensor.Name}' has external-data '{entry.Key}' = '{entry.Value}', which is not a " +
                "non-negative integer: re-export the model.", filePath);
}
