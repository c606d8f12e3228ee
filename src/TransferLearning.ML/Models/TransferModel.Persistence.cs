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
    /// graph). Written atomically: the bytes go to a temporary file beside <paramref name="path"/>, are flushed to
    /// disk and renamed over it, so a crash while saving leaves any previous file at <paramref name="path"/> intact.
    /// </summary>
    /// <param name="path">Conventionally <c>*.tlmodel</c>; missing folders are created.</param>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is unchanged).</exception>
    public void Save(string path) => Save(path, null);

    /// <summary>Saves through <paramref name="wrapStream"/>, which may wrap the temporary file's stream (a test seam
    /// for failures in the middle of a write).</summary>
    internal void Save(string path, Func<Stream, Stream>? wrapStream)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var manifest = Manifest with
        {
            OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(_onnx)),
            // JSON has no NaN or infinity: an undefined metric (e.g. ROC-AUC of a one-class split) is left out
            Metrics = Manifest.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Key, m => m.Value),
            DecisionThreshold = Manifest.DecisionThreshold is double t && !double.IsFinite(t) ? null : Manifest.DecisionThreshold,
        };
        AtomicFile.Write(path, file =>
        {
            Stream stream = wrapStream?.Invoke(file) ?? file;
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal).Open())
                JsonSerializer.Serialize(entry, manifest, s_json);
            using (var entry = zip.CreateEntry(OnnxEntry, CompressionLevel.Fastest).Open())
                entry.Write(_onnx);
        });
    }

    /// <summary>Loads a model saved by <see cref="Save(string)"/>, checking the graph against the manifest's SHA-256.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFileException">The file is truncated, damaged, not a model file, or written by an
    /// incompatible version; the message says which and what to do.</exception>
    public static TransferModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at {path}.", path);
        var (manifest, onnx) = Read(path);
        if (manifest.FormatVersion > ModelManifest.CurrentFormatVersion)
            throw new ModelFileException(
                $"{path} was written by TransferLearning.ML {manifest.LibraryVersion} in model format {manifest.FormatVersion}; " +
                $"this version ({typeof(TransferModel).Assembly.GetName().Version}) reads format {ModelManifest.CurrentFormatVersion} and older. Update the TransferLearning.ML package.");
        if (manifest.FormatVersion < 1)
            throw new ModelFileException($"{path} declares model format {manifest.FormatVersion}, which no TransferLearning.ML version wrote; the file is damaged or not a model file.");
        if (manifest.ClassNames is not { Count: >= 2 } || manifest.Preprocessing is null || manifest.BackboneName is null)
            throw new ModelFileException($"{path} is damaged: {ManifestEntry} lacks the class names, preprocessing or backbone. Restore a copy or save the model again.");
        string actual = Convert.ToHexStringLower(SHA256.HashData(onnx));
        if (!actual.Equals(manifest.OnnxSha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelFileException(
                $"{path} is damaged: its ONNX graph has SHA-256 {actual}, the manifest expects {manifest.OnnxSha256}. Restore a copy or save the model again.");
        try
        {
            return new TransferModel(onnx, manifest);
        }
        catch (ArgumentException e)
        {
            throw new ModelFileException($"{path} is damaged: its preprocessing settings cannot be read ({e.Message}). Restore a copy or save the model again.", e);
        }
    }

    private static (ModelManifest Manifest, byte[] Onnx) Read(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var manifestEntry = zip.GetEntry(ManifestEntry);
            var onnxEntry = zip.GetEntry(OnnxEntry);
            if (manifestEntry is null || onnxEntry is null)
                throw new ModelFileException(
                    $"{path} is a zip file but not a TransferLearning.ML model: it lacks {(manifestEntry is null ? ManifestEntry : OnnxEntry)}. " +
                    "Pass a file written by TransferModel.Save (for a plain .onnx graph use OnnxModel.Load).");
            ModelManifest manifest;
            using (var stream = manifestEntry.Open())
                manifest = JsonSerializer.Deserialize<ModelManifest>(stream)
                    ?? throw new ModelFileException($"{path} is damaged: {ManifestEntry} is empty. Restore a copy or save the model again.");
            using var onnxStream = onnxEntry.Open();
            using var memory = new MemoryStream(onnxEntry.Length is > 0 and < int.MaxValue ? (int)onnxEntry.Length : 0);
            onnxStream.CopyTo(memory);
            return (manifest, memory.ToArray());
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(
                $"{path} is not a readable model file ({e.Message}). It may be truncated, damaged or not a model file at all: save the model again or restore a copy.", e);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path} is damaged: {ManifestEntry} cannot be read ({e.Message}). Save the model again or restore a copy.", e);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFileException($"{path} is truncated ({e.Message}): save the model again or restore a copy.", e);
        }
    }

    /// <summary>
    /// Writes a standard ONNX model (ai.onnx opset ≥ 13 and the IR version it needs, see docs/models.md) with outputs <c>probabilities</c> (softmax) and <c>logits</c>,
    /// [N, classes] in <see cref="ClassNames"/> order. Its input is float32 <c>NCHW</c> images, resized to the
    /// model's size, in the model's channel order and scaled to [0, 1], then normalised per channel with
    /// <c>(x − mean) / std</c>: by the caller (default), or by the graph itself when
    /// <paramref name="bakeNormalization"/> is true (Sub and Div nodes before the backbone), which is what ML.NET's
    /// <c>ExtractPixels(interleavePixelColors: false, scaleImage: 1/255f)</c> + <c>ApplyOnnxModel</c> need, since
    /// ExtractPixels cannot normalise per channel. Metadata: <c>tl.classNames</c> (JSON array),
    /// <c>tl.preprocessing</c> (JSON: size, resize mode, mean, std, channel order, channels), <c>tl.input</c> (the
    /// input contract in words), <c>tl.normalizationInGraph</c> (<c>true</c>/<c>false</c>),
    /// <c>tl.decisionThreshold</c>, <c>tl.backbone</c>, <c>tl.mode</c>, <c>tl.libraryVersion</c>, and for an
    /// ensemble <c>tl.ensemble</c> (JSON: each member's backbone, SHA-256, mode, weight and own preprocessing).
    /// Written atomically.
    /// </summary>
    /// <param name="path">The .onnx file to write; missing folders are created.</param>
    /// <param name="bakeNormalization">Whether the graph normalises its [0, 1] input itself. Default false.</param>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void ExportOnnx(string path, bool bakeNormalization = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes = ExportOnnxBytes(bakeNormalization);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The bytes <see cref="ExportOnnx"/> writes, with the input renamed to <paramref name="inputName"/> when given.</summary>
    internal byte[] ExportOnnxBytes(bool bakeNormalization, string? inputName = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var model = ModelProto.Parser.ParseFrom(_onnx);
        string input = _inputName;
        if (bakeNormalization)
        {
            input = inputName ?? _inputName;
            NormalizationBaking.Prepend(model.Graph, _inputName, Preprocessing, input);
        }
        else if (inputName is not null && inputName != _inputName)
        {
            input = inputName;
            foreach (var value in model.Graph.Input.Where(i => i.Name == _inputName)) value.Name = inputName;
            foreach (var node in model.Graph.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == _inputName) node.Input[i] = inputName;
        }
        void Meta(string key, string value)
        {
            var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
            if (existing is not null) existing.Value = value;
            else model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        var p = Preprocessing;
        string order = p.Channels == 1 ? "gray" : p.ChannelOrder.ToString();
        Meta("tl.classNames", JsonSerializer.Serialize(ClassNames));
        Meta("tl.preprocessing", JsonSerializer.Serialize(Manifest.Preprocessing));
        Meta("tl.input", bakeNormalization
            ? $"{input}: float32 [N,{p.Channels},{p.Height},{p.Width}], {order} planes resized ({p.ResizeMode}) and scaled to [0,1]; the graph normalises them"
            : $"{input}: float32 [N,{p.Channels},{p.Height},{p.Width}], {order} planes resized ({p.ResizeMode}), scaled to [0,1], then (x - mean) / std per channel");
        Meta("tl.normalizationInGraph", bakeNormalization ? "true" : "false");
        Meta("tl.decisionThreshold", DecisionThreshold?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "argmax");
        Meta("tl.backbone", $"{BackboneName} sha256:{BackboneSha256}");
        Meta("tl.mode", Manifest.Mode);
        Meta("tl.libraryVersion", LibraryVersion);
        if (Manifest.Members is { } members)
            Meta("tl.ensemble", JsonSerializer.Serialize(members.Select(m => new
            {
                backbone = m.BackboneName, sha256 = m.BackboneSha256, mode = m.Mode, weight = m.Weight, preprocessing = m.Preprocessing,
            })));
        model.ProducerName = "TransferLearning.ML";
        model.ProducerVersion = LibraryVersion;
        // graphs of this version are already upgraded when trained; models saved by older versions are upgraded here
        Onnx.OpsetUpgrade.Apply(model);
        return model.ToByteArray();
    }
}
