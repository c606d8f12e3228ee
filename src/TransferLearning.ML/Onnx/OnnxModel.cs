using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime.Tensors;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// An ONNX model read into memory and checked: the one form in which the rest of the library sees a backbone.
/// Weights stored as external data are read in when the model is loaded, so every initializer holds its values
/// inline.
/// </summary>
/// <remarks>Instances are not modified by the library: graph surgery returns new models. Not thread-safe for
/// concurrent mutation of <see cref="Graph"/>.</remarks>
public sealed class OnnxModel
{
    private readonly Lazy<string> _sha256;

    internal OnnxModel(ModelProto proto, string? filePath = null, string? sha256 = null)
    {
        Proto = proto;
        FilePath = filePath;
        _sha256 = sha256 is not null
            ? new Lazy<string>(sha256)
            : new Lazy<string>(() => HexSha256(proto.ToByteArray()));
    }

    /// <summary>The protobuf the model wraps.</summary>
    internal ModelProto Proto { get; }

    /// <summary>The model's main graph.</summary>
    internal GraphProto Graph => Proto.Graph;

    /// <summary>The file the model was loaded from, or <see langword="null"/> for a model built in memory.</summary>
    public string? FilePath { get; }

    /// <summary>The lower-case hexadecimal SHA-256 of the model file's bytes (of <see cref="ToBytes"/> for a model
    /// built in memory): the backbone's identity, e.g. as a feature-cache key.</summary>
    public string Sha256 => _sha256.Value;

    /// <summary>The version of the default (<c>ai.onnx</c>) operator set the model imports.</summary>
    public long Opset => OpsetFor("") ?? 0;

    /// <summary>The tool that wrote the model (e.g. <c>pytorch</c>, <c>tf2onnx</c>), or an empty string.</summary>
    public string ProducerName => Proto.ProducerName;

    /// <summary>The model's <c>metadata_props</c> as a dictionary (later duplicates win).</summary>
    public IReadOnlyDictionary<string, string> Metadata =>
        Proto.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>The graph inputs that are fed at run time (inputs that are also initializers are left out).</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs
    {
        get
        {
            var initializers = Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            return Graph.Input.Where(i => !initializers.Contains(i.Name)).Select(ToTensorInfo).ToArray();
        }
    }

    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<OnnxTensorInfo> Outputs => Graph.Output.Select(ToTensorInfo).ToArray();

    /// <summary>The version of the operator set imported for <paramref name="domain"/> (<c>""</c> or
    /// <c>"ai.onnx"</c> for the default domain), or <see langword="null"/> when the model does not import it.</summary>
    public long? OpsetFor(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string wanted = domain == "ai.onnx" ? "" : domain;
        foreach (var entry in Proto.OpsetImport)
            if ((entry.Domain == "ai.onnx" ? "" : entry.Domain) == wanted) return entry.Version;
        return null;
    }

    /// <summary>Reads and checks an ONNX model file, with its external data if it has any.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxModelException">The file is not a valid ONNX model (not protobuf, truncated, no graph,
    /// a cycle, a missing initializer, a tensor produced twice) or its external data cannot be read.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"ONNX model '{fullPath}' does not exist.", fullPath);
        byte[] bytes = File.ReadAllBytes(fullPath);
        return Read(bytes, fullPath, Path.GetDirectoryName(fullPath));
    }

    /// <summary>Reads and checks an ONNX model from its bytes.</summary>
    /// <param name="bytes">The serialized <c>ModelProto</c>.</param>
    /// <param name="externalDataDirectory">The folder that external-data locations are relative to; default
    /// <see langword="null"/>: the model must hold all its weights inline.</param>
    /// <exception cref="OnnxModelException">The bytes are not a valid ONNX model, or the model refers to external
    /// data that cannot be read.</exception>
    public static OnnxModel FromBytes(byte[] bytes, string? externalDataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Read(bytes, null, externalDataDirectory is null ? null : Path.GetFullPath(externalDataDirectory));
    }

    /// <summary>Wraps a protobuf built in memory, after checking it.</summary>
    /// <exception cref="OnnxModelException">The graph is malformed.</exception>
    internal static OnnxModel FromProto(ModelProto proto)
    {
        GraphValidator.Validate(proto, null);
        return new OnnxModel(proto);
    }

    /// <summary>The model serialized as ONNX protobuf bytes (weights inline).</summary>
    /// <exception cref="OnnxModelException">The model is larger than protobuf's 2 GiB limit; use
    /// <see cref="Save(string)"/>, which stores the weights as external data.</exception>
    public byte[] ToBytes()
    {
        long size = Proto.CalculateSize();
        if (size >= ExternalDataWriter.ProtobufLimit)
            throw new OnnxModelException(
                $"The model is {size / (1024 * 1024)} MiB, above protobuf's 2 GiB limit, and cannot be held in one " +
                "byte array: save it with OnnxModel.Save, which writes the weights as external data beside it.",
                FilePath);
        return Proto.ToByteArray();
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically: to a temporary file in the same folder, flushed to
    /// disk, then renamed over the target, so an existing file is never left half-written. A model above 2 GiB is
    /// written with its weights as external data in <c>&lt;file name&gt;.data</c> beside it (both files are
    /// written in full before either is renamed into place).
    /// </summary>
    /// <param name="path">The target <c>.onnx</c> file; its folder must exist.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path) => Save(path, ExternalDataWriter.ProtobufLimit - ExternalDataWriter.Margin);

    /// <summary><see cref="Save(string)"/> with the size above which weights go to external data.</summary>
    internal void Save(string path, long externalDataThreshold)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (Proto.CalculateSize() > externalDataThreshold)
            ExternalDataWriter.Save(Proto, fullPath);
        else
            AtomicFile.Write(fullPath, stream => Proto.WriteTo(stream));
    }

    /// <summary>A deep copy, with the same <see cref="FilePath"/> and <see cref="Sha256"/>.</summary>
    public OnnxModel Clone() => new(Proto.Clone(), FilePath, _sha256.IsValueCreated ? _sha256.Value : null);

    /// <summary>
    /// Turns the parameter inputs of a graph-only export (weights passed as graph inputs, no initializers) into
    /// seeded initializers, so the graph can run. An input is a parameter when it has a fully static shape and
    /// every node that consumes it (looking through <c>Identity</c>) uses it in a weight slot: any input after the
    /// first of Conv, ConvTranspose, Gemm, MatMul, BatchNormalization, InstanceNormalization, LayerNormalization
    /// or PRelu, or either operand of Add, Sub, Mul or Div. The image input — symbolic batch dimension, consumed as
    /// the data input of the first convolution — therefore stays an input.
    /// </summary>
    /// <param name="seed">The random seed: the same seed gives byte-identical weights.</param>
    /// <param name="init">How values are drawn; default <see cref="ParameterInitialization.Default"/>.</param>
    /// <returns>A new model; this one is unchanged.</returns>
    public OnnxModel MaterializeParameterInputs(int seed, ParameterInitialization init = ParameterInitialization.Default)
    {
        var copy = Proto.Clone();
        ParameterMaterializer.Materialize(copy, seed, init);
        return new OnnxModel(copy);
    }

    /// <summary>The graph's nodes in a topological order (stable: the file's order where it is already one).</summary>
    /// <exception cref="OnnxModelException">The graph has a cycle.</exception>
    internal IReadOnlyList<NodeProto> TopologicalNodes() => GraphValidator.TopologicalOrder(Graph, FilePath);

    private static OnnxModel Read(byte[] bytes, string? filePath, string? externalDataDirectory)
    {
        ModelProto proto = Parse(bytes, filePath);
        GraphValidator.Validate(proto, filePath);
        ExternalDataReader.Inline(proto, externalDataDirectory, filePath);
        return new OnnxModel(proto, filePath, HexSha256(bytes));
    }

    private static ModelProto Parse(byte[] bytes, string? filePath)
    {
        string what = filePath is null ? "The bytes are" : $"'{filePath}' is";
        const string advice = "re-export it or check the download";
        if (bytes.Length == 0)
            throw new OnnxModelException($"{what} not a valid ONNX model (the file is empty): {advice}.", filePath);
        var proto = new ModelProto();
        var input = new CodedInputStream(bytes);
        try
        {
            proto.MergeFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            bool atEnd = input.Position >= bytes.Length - 1 || e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("ended unexpectedly", StringComparison.OrdinalIgnoreCase);
            throw new OnnxModelException(
                $"{what} not a valid ONNX model (protobuf parse failed at byte {input.Position} of {bytes.Length}: " +
                $"{e.Message}{(atEnd ? " The file looks truncated." : "")}): {advice}.", filePath, innerException: e);
        }
        if (proto.Graph is null || (proto.IrVersion == 0 && proto.OpsetImport.Count == 0))
            throw new OnnxModelException(
                $"{what} not a valid ONNX model (no graph{(proto.IrVersion == 0 ? " and no IR version" : "")}): {advice}.",
                filePath);
        return proto;
    }

    internal static OnnxTensorInfo ToTensorInfo(ValueInfoProto info)
    {
        var tensor = info.Type?.TensorType;
        var dims = tensor?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? (long?)d.DimValue : null).ToArray() ?? [];
        return new OnnxTensorInfo(info.Name, (TensorElementType)(tensor?.ElemType ?? 0), dims);
    }

    private static string HexSha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
