using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Diagnostics;

/// <summary>
/// Checks that the two native engines the library depends on load and compute on this machine: TorchSharp
/// (libtorch) for training and ONNX Runtime for frozen inference. Use it as the first line of a deployment's
/// health check, or to diagnose "DllNotFoundException" reports.
/// </summary>
public static class EnvironmentCheck
{
    /// <summary>
    /// Multiplies a small matrix with TorchSharp and runs the same product as an ONNX graph in ONNX Runtime, and
    /// compares the two.
    /// </summary>
    /// <returns>What loaded, the versions and the largest difference between the two engines.</returns>
    /// <exception cref="InvalidOperationException">A native library could not be loaded; the message says which
    /// and what to do.</exception>
    public static EnvironmentReport Run()
    {
        AllocatorTuning allocator = NativeAllocator.EnsureApplied();
        float[] x = [1f, 2f, 3f, 4f, 5f, 6f];         // 2×3
        float[] w = [0.5f, -1f, 2f, 0.25f, -3f, 1.5f]; // 3×2

        float[] torchResult;
        try
        {
            using var scope = torch.NewDisposeScope();
            var product = torch.tensor(x, [2, 3]).matmul(torch.tensor(w, [3, 2]));
            torchResult = product.data<float>().ToArray();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
        {
            throw new InvalidOperationException(
                "TorchSharp's native library (libtorch) could not be loaded. " +
                (NativeLoadDiagnosis.TorchSharpLoadFailure() ??
                 "An application must reference a libtorch backend package, e.g. libtorch-cpu-linux-x64 2.10.0 or " +
                 "TorchSharp-cpu 0.107.0, next to TransferLearning.ML.") +
                " TorchSharp said: " + e.Message, e);
        }

        float[] onnxResult;
        string onnxVersion;
        try
        {
            byte[] model = MatMulModel(w).ToByteArray();
            using var options = new SessionOptions { IntraOpNumThreads = 1 };
            using var session = new InferenceSession(model, options);
            using var input = OrtValue.CreateTensorValueFromMemory(x, [2, 3]);
            using var outputs = session.Run(new RunOptions(), ["x"], [input], ["y"]);
            onnxResult = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            onnxVersion = OrtEnv.Instance().GetVersionString();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException(
                "ONNX Runtime's native library could not be loaded. Reference Microsoft.ML.OnnxRuntime 1.31.1 " +
                "(not only Microsoft.ML.OnnxRuntime.Managed). Inner error: " + e.Message, e);
        }

        float maxDifference = 0;
        for (int i = 0; i < torchResult.Length; i++)
            maxDifference = Math.Max(maxDifference, Math.Abs(torchResult[i] - onnxResult[i]));

        return new EnvironmentReport(
            TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            OnnxRuntimeVersion: onnxVersion,
            TorchThreads: torch.get_num_threads(),
            Allocator: allocator,
            TorchResult: torchResult,
            OnnxRuntimeResult: onnxResult,
            MaxAbsoluteDifference: maxDifference);
    }

    private static ModelProto MatMulModel(float[] weight)
    {
        var graph = new GraphProto { Name = "environment-check" };
        graph.Input.Add(FloatInput("x", 2, 3));
        graph.Output.Add(FloatInput("y", 2, 2));
        var w = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float };
        w.Dims.Add([3, 2]);
        w.FloatData.Add(weight);
        graph.Initializer.Add(w);
        var node = new NodeProto { OpType = "MatMul", Name = "matmul" };
        node.Input.Add(["x", "w"]);
        node.Output.Add("y");
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 8, ProducerName = "TransferLearning.ML", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static ValueInfoProto FloatInput(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}

/// <summary>The result of <see cref="EnvironmentCheck.Run"/>.</summary>
/// <param name="TorchSharpVersion">The TorchSharp assembly version.</param>
/// <param name="OnnxRuntimeVersion">The ONNX Runtime native library version.</param>
/// <param name="TorchThreads">Threads libtorch uses for intra-op parallelism.</param>
/// <param name="Allocator">What was done to the native allocator.</param>
/// <param name="TorchResult">The 2×2 product computed by TorchSharp.</param>
/// <param name="OnnxRuntimeResult">The same product computed by ONNX Runtime.</param>
/// <param name="MaxAbsoluteDifference">The largest difference between the two results.</param>
public sealed record EnvironmentReport(
    string TorchSharpVersion,
    string OnnxRuntimeVersion,
    int TorchThreads,
    AllocatorTuning Allocator,
    IReadOnlyList<float> TorchResult,
    IReadOnlyList<float> OnnxRuntimeResult,
    float MaxAbsoluteDifference);
