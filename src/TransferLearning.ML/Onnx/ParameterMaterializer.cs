using System.Runtime.InteropServices;
using Google.Protobuf;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Onnx;

/// <summary>
/// Turns the parameter inputs of a graph-only export into seeded initializers (see
/// <see cref="OnnxModel.MaterializeParameterInputs"/> for the rule that tells parameters from images).
/// </summary>
internal static class ParameterMaterializer
{
    private static readonly HashSet<string> WeightAfterFirstInput = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization",
        "LayerNormalization", "PRelu",
    };

    private static readonly HashSet<string> EitherOperand = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div" };

    /// <summary>How one parameter is used, which decides its distribution.</summary>
    private readonly record struct Role(string OpType, int Slot, NodeProto Node);

    public static void Materialize(ModelProto model, int seed, ParameterInitialization init)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<(NodeProto Node, int Slot)>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
            for (int slot = 0; slot < node.Input.Count; slot++)
            {
                if (!consumers.TryGetValue(node.Input[slot], out var list)) consumers[node.Input[slot]] = list = [];
                list.Add((node, slot));
            }

        var random = new Random(seed);
        var parameters = new List<ValueInfoProto>();
        foreach (var input in graph.Input)
        {
            if (initializers.Contains(input.Name)) continue;
            long[]? shape = StaticShape(input);
            if (shape is null) continue;
            var roles = new List<Role>();
            if (!CollectRoles(input.Name, consumers, roles, depth: 0) || roles.Count == 0) continue;
            parameters.Add(input);
            var tensor = new TensorProto { Name = input.Name, DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(shape);
            float[] values = Draw(roles[0], shape, init, random);
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
            graph.Initializer.Add(tensor);
        }
        foreach (var parameter in parameters) graph.Input.Remove(parameter);
    }

    /// <summary>A float input whose every dimension is a number, or null.</summary>
    private static long[]? StaticShape(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType;
        if (tensor is null || tensor.ElemType != (int)TensorProto.Types.DataType.Float || tensor.Shape is null) return null;
        if (tensor.Shape.Dim.Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)) return null;
        return tensor.Shape.Dim.Select(d => d.DimValue).ToArray();
    }

    /// <summary>False when some consumer uses the tensor as data rather than as a weight.</summary>
    private static bool CollectRoles(string name, Dictionary<string, List<(NodeProto Node, int Slot)>> consumers,
        List<Role> roles, int depth)
    {
        if (!consumers.TryGetValue(name, out var uses)) return true;
        foreach (var (node, slot) in uses)
        {
            if (node.OpType == "Identity" && depth < 8)
            {
                if (!CollectRoles(node.Output[0], consumers, roles, depth + 1)) return false;
            }
            else if ((WeightAfterFirstInput.Contains(node.OpType) && slot > 0) || EitherOperand.Contains(node.OpType))
                roles.Add(new Role(node.OpType, slot, node));
            else
                return false;
        }
        return true;
    }

    private static float[] Draw(Role role, long[] shape, ParameterInitialization init, Random random)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        bool testing = init == ParameterInitialization.RandomForTesting;
        switch (role.OpType, role.Slot)
        {
            case ("Conv" or "ConvTranspose", 1):
            {
                long receptive = shape.Skip(2).Aggregate(1L, (a, b) => a * b);
                // Kaiming: fan-out with the ReLU gain for training; fan-in without gain for tests, which halves
                // the variance after each ReLU and so offsets the doubling at each residual addition
                double std = testing
                    ? Math.Sqrt(1.0 / Math.Max(1, shape[1] * receptive))
                    : Math.Sqrt(2.0 / Math.Max(1, shape[0] * receptive));
                FillNormal(values, 0, std, random);
                break;
            }
            case ("Gemm" or "MatMul", 1):
            {
                long fanIn = Gemm(role.Node, "transB") == 1 ? shape[^1] : shape[0];
                FillNormal(values, 0, testing ? Math.Sqrt(1.0 / Math.Max(1, fanIn)) : 0.01, random);
                break;
            }
            case ("BatchNormalization" or "InstanceNormalization" or "LayerNormalization", 1):
            case ("BatchNormalization", 4):
                if (testing) FillUniform(values, 0.5, 1.5, random); else Array.Fill(values, 1f);
                break;
            case ("Mul" or "Div", _):
                if (testing) FillUniform(values, 0.5, 1.5, random); else Array.Fill(values, 1f);
                break;
            case ("PRelu", _):
                if (testing) FillUniform(values, 0, 0.5, random); else Array.Fill(values, 0.25f);
                break;
            default: // biases, batch-normalisation shift and mean, additive constants
                if (testing) FillNormal(values, 0, 0.1, random);
                break;
        }
        return values;
    }

    private static long Gemm(NodeProto node, string attribute) =>
        node.OpType == "Gemm" ? node.Attribute.FirstOrDefault(a => a.Name == attribute)?.I ?? 0 : 0;

    private static void FillNormal(float[] values, double mean, double std, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            // Box-Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
    }

    private static void FillUniform(float[] values, double low, double high, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(low + (high - low) * random.NextDouble());
    }
}
