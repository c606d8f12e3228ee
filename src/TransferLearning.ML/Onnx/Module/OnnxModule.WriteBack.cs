using Google.Protobuf;
using TransferLearning.ML.Onnx.Module.Ops;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx.Module;

public sealed partial class OnnxModule
{
    /// <summary>
    /// Whether the module was imported from a quantised (QOperator, int8) graph. Its dequantised weights train,
    /// but cannot be written back into int8 operators: such a backbone serves frozen (feature extraction, or a
    /// fine-tune that trains the head only).
    /// </summary>
    public bool IsQuantized => _graph.Parameters.Any(p => p.Derived);

    /// <summary>
    /// The graph this module executes (from <see cref="InputName"/> to <see cref="OutputName"/>, dropped nodes left
    /// out) as a copy of the source model whose initializers carry the module's current parameter and buffer
    /// values as float raw_data, brought to the export versions (<see cref="OpsetUpgrade"/>: ai.onnx opset ≥ 13,
    /// a matching IR version, no initializer listed as a graph input). ONNX Runtime gives the same output as the
    /// module in eval mode.
    /// </summary>
    /// <exception cref="NotSupportedException">The module was imported from a quantised (QOperator) graph, whose
    /// float weights have no place in the int8 operators; export the float model instead.</exception>
    /// <exception cref="OnnxModelException">The source graph's opset is below 7, or one of its nodes has no exact
    /// opset-13 form; the message names the node.</exception>
    internal ModelProto ToOnnx()
    {
        if (IsQuantized)
            throw new NotSupportedException(
                "This module was imported from a quantised graph (QLinearConv, QLinearMatMul, ...): its trained float " +
                "weights cannot be written back into int8 operators. Fine-tune from the float model instead.");
        ModelProto model = _source.Clone();
        GraphProto graph = model.Graph;

        graph.Node.Clear();
        graph.Node.Add(_graph.KeptNodes.Select(n => n.Clone()));
        var read = new HashSet<string>(_graph.KeptNodes.SelectMany(n => n.Input));
        var produced = new HashSet<string>(_graph.KeptNodes.SelectMany(n => n.Output));

        var current = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (GraphParameter p in _graph.Parameters) current[p.OnnxName] = TensorData.FromTorch(p.OnnxName, p.Value);
        foreach (GraphBuffer b in _graph.Buffers.Where(b => !b.IsConstant)) current[b.OnnxName] = TensorData.FromTorch(b.OnnxName, b.Value);
        var initializers = graph.Initializer
            .Where(t => read.Contains(t.Name))
            .Select(t => current.TryGetValue(t.Name, out TensorProto? value) ? value : t)
            .ToList();
        graph.Initializer.Clear();
        graph.Initializer.Add(initializers);
        var initializerNames = new HashSet<string>(initializers.Select(t => t.Name));

        var inputs = graph.Input.Where(i => i.Name == InputName || initializerNames.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.Add(inputs);

        ValueInfoProto output = graph.Output.FirstOrDefault(o => o.Name == OutputName)?.Clone()
            ?? graph.ValueInfo.FirstOrDefault(v => v.Name == OutputName)?.Clone()
            ?? new ValueInfoProto
            {
                Name = OutputName,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            };
        graph.Output.Clear();
        graph.Output.Add(output);
        var valueInfo = graph.ValueInfo.Where(v => produced.Contains(v.Name) && v.Name != OutputName).ToList();
        graph.ValueInfo.Clear();
        graph.ValueInfo.Add(valueInfo);
        OpsetUpgrade.Apply(model);
        return model;
    }

    /// <summary>The serialised <see cref="ToOnnx"/> model, ready for ONNX Runtime or a file.</summary>
    /// <exception cref="NotSupportedException">As for <see cref="ToOnnx"/>.</exception>
    /// <exception cref="OnnxModelException">As for <see cref="ToOnnx"/>.</exception>
    public byte[] ToOnnxBytes() => ToOnnx().ToByteArray();

    /// <summary>Writes the <see cref="ToOnnx"/> model to <paramref name="path"/>.</summary>
    /// <exception cref="NotSupportedException">As for <see cref="ToOnnx"/>.</exception>
    /// <exception cref="OnnxModelException">As for <see cref="ToOnnx"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void SaveOnnx(string path) => File.WriteAllBytes(path, ToOnnxBytes());
}
