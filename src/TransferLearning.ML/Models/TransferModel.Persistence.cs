using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Models;

public sealed partial class TransferModel
{
    private const string OnnxEntry = "model.onnx";
    private const string ManifestEntry = "manifest.json";
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>
    /// Saves the model to one file (a zip holding <c>model.onnx</c> and <c>manifest.json</c> with a checksum of the
    /// graph). Written atomically: a crash while saving leaves any previous file at <paramref name="path"/> intact.
    /// </summary>
    /// <param name="path">Conventionally <c>*.tlmodel</c>.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var manifest = Manifest with { OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(_onnx)) };
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(entry, manifest, s_json);
            using (var entry = zip.CreateEntry(OnnxEntry, CompressionLevel.Fastest).Open())
                entry.Write(_onnx);
        });
    }

    /// <summary>Loads a model saved by <see cref="Save"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFileException">The file is truncated, damaged, not a model file, or written by an
    /// incompatible version; the message says which.</exception>
    public static TransferModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at {path}.", path);
        ModelManifest manifest;
        byte[] onnx;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var manifestEntry = zip.GetEntry(ManifestEntry);
            var onnxEntry = zip.GetEntry(OnnxEntry);
            if (manifestEntry is null || onnxEntry is null)
                throw new ModelFileException($"{path} is a zip file but not a TransferLearning.ML model: it lacks {ManifestEntry} or {OnnxEntry}.");
            using (var stream = manifestEntry.Open())
                manifest = JsonSerializer.Deserialize<ModelManifest>(stream)
                    ?? throw new ModelFileException($"{path}: {ManifestEntry} is empty.");
            using (var stream = onnxEntry.Open())
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                onnx = memory.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(
                $"{path} is not a readable model file ({e.Message}). It may be truncated or damaged: save the model again or restore a copy.", e);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path}: {ManifestEntry} is damaged ({e.Message}). Save the model again or restore a copy.", e);
        }

        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
            throw new ModelFileException(
                $"{path} was written by TransferLearning.ML {manifest.LibraryVersion} in model format {manifest.FormatVersion}; " +
                $"this version ({typeof(TransferModel).Assembly.GetName().Version}) reads format {ModelManifest.CurrentFormatVersion} and older. Update the TransferLearning.ML package.");
        if (manifest.FormatVersion < 1)
            throw new ModelFileException($"{path} declares model format {manifest.FormatVersion}, which no TransferLearning.ML version wrote.");
        string actual = Convert.ToHexStringLower(SHA256.HashData(onnx));
        if (!actual.Equals(manifest.OnnxSha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelFileException(
                $"{path} is damaged: its ONNX graph has SHA-256 {actual}, the manifest expects {manifest.OnnxSha256}. Restore a copy or save the model again.");
        return new TransferModel(onnx, manifest);
    }

    /// <summary>
    /// Writes a standard ONNX model (opset ≥ 13): input <c>NCHW</c> float32 images preprocessed as documented in the
    /// model's metadata (<c>tl.preprocessing</c>: size, [0,1] scaling, mean/std), outputs <c>probabilities</c>
    /// (softmax) and <c>logits</c>, [N, classes]. Class names are in the metadata key <c>tl.classNames</c> (JSON).
    /// ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c> and any other runtime can serve it. Written atomically.
    /// </summary>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var model = ModelProto.Parser.ParseFrom(_onnx);
        void Meta(string key, string value)
        {
            var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
            if (existing is not null) existing.Value = value;
            else model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        Meta("tl.classNames", JsonSerializer.Serialize(ClassNames));
        Meta("tl.preprocessing", JsonSerializer.Serialize(Manifest.Preprocessing));
        Meta("tl.input", $"{_inputName}: float32 [N,{Preprocessing.Channels},{Preprocessing.Height},{Preprocessing.Width}], RGB scaled to [0,1] then (x - mean) / std per channel");
        Meta("tl.decisionThreshold", DecisionThreshold?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "argmax");
        Meta("tl.backbone", $"{BackboneName} sha256:{BackboneSha256}");
        Meta("tl.libraryVersion", LibraryVersion);
        model.ProducerName = "TransferLearning.ML";
        model.ProducerVersion = LibraryVersion;
        byte[] bytes = model.ToByteArray();
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
