using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Runs a model in ONNX Runtime, the reference every module output is compared with.</summary>
internal static class OnnxRuntimeReference
{
    /// <summary>The value of <paramref name="outputName"/> (the graph output, or any intermediate tensor).</summary>
    public static float[] Run(ModelProto model, string inputName, float[] input, long[] shape, string? outputName = null)
    {
        ModelProto copy = model.Clone();
        outputName ??= copy.Graph.Output[0].Name;
        ValueInfoProto? declared = copy.Graph.Output.FirstOrDefault(o => o.Name == outputName);
        copy.Graph.Output.Clear();
        copy.Graph.Output.Add(declared ?? new ValueInfoProto
            {
                Name = outputName,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        // ONNX Runtime still runs nodes the requested output does not need: drop them
        PruneTo(copy, outputName);
        // the exports fix the image size; let ONNX Runtime take any, as the module does
        foreach (ValueInfoProto graphInput in copy.Graph.Input.Where(i => i.Name == inputName))
            foreach (var dim in graphInput.Type.TensorType.Shape.Dim.Skip(2)) dim.DimParam = "spatial";
        using var options = new SessionOptions { IntraOpNumThreads = 2, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(copy.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Keeps only the nodes <paramref name="outputName"/> depends on, and the graph inputs they read.</summary>
    public static void PruneTo(ModelProto model, string outputName)
    {
        var needed = new HashSet<string> { outputName };
        var kept = new List<NodeProto>();
        foreach (NodeProto node in model.Graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            kept.Add(node);
            foreach (string name in node.Input) needed.Add(name);
        }
        kept.Reverse();
        model.Graph.Node.Clear();
        model.Graph.Node.Add(kept);
        var inputs = model.Graph.Input.Where(i => needed.Contains(i.Name)).ToList();
        model.Graph.Input.Clear();
        model.Graph.Input.Add(inputs);
    }

    /// <summary>max|a - b| relative to the reference's scale: max|a-b| / max(1, max|reference|).</summary>
    public static double RelativeError(float[] actual, float[] reference)
    {
        Assert.Equal(reference.Length, actual.Length);
        double maxDifference = 0, scale = 1;
        for (int i = 0; i < actual.Length; i++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs(actual[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return maxDifference / scale;
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
