using TorchSharp;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Models and inputs the module tests share.</summary>
internal static class ModuleFixtures
{
    public static ModelProto Read(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>An architecture graph from shared/models/architectures with seeded weights.</summary>
    public static ModelProto Architecture(string name, int seed = 7) =>
        SeededWeights.Apply(Read(RepositoryPaths.SharedArchitecture(name)), seed);

    /// <summary>The part of an architecture graph that computes its feature tensor (the classifier's input), with
    /// seeded weights; <paramref name="featureTensor"/> names that tensor.</summary>
    public static ModelProto ArchitectureFeatures(string name, out string featureTensor, int seed = 7)
    {
        ModelProto graph = Read(RepositoryPaths.SharedArchitecture(name));
        featureTensor = FeatureTensor(graph);
        OnnxRuntimeReference.PruneTo(graph, featureTensor);
        return SeededWeights.Apply(graph, seed);
    }

    public static ModelProto MobileNetV2() => Read(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

    /// <summary>The tensor a classifier head replaces: the output of GlobalAveragePool, else the input of the first Gemm.</summary>
    public static string FeatureTensor(ModelProto model) =>
        model.Graph.Node.FirstOrDefault(n => n.OpType == "GlobalAveragePool")?.Output[0]
        ?? model.Graph.Node.First(n => n.OpType is "Gemm" or "MatMul").Input[0];

    /// <summary>Seeded uniform(-1, 1) values.</summary>
    public static float[] RandomInput(long count, int seed)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (long i = 0; i < count; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    public static float[] ToArray(torch.Tensor tensor) => tensor.detach().contiguous().data<float>().ToArray();
}
