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
            // drawn straight into the bytes the tensor keeps: VGG's classifier alone is 400 MB
            var bytes = new byte[checked(shape.Aggregate(1L, (a, b) => a * b) * sizeof(float))];
            Draw(roles[0], shape, init, new SeededStream(seed, parameters.Count), bytes);
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
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

    private static void Draw(Role role, long[] shape, ParameterInitialization init, SeededStream random, byte[] bytes)
    {
        var values = new FloatBuffer(bytes);
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
                if (testing) FillUniform(values, 0.5, 1.5, random); else values.Fill(1f);
                break;
            case ("Mul" or "Div", _):
                if (testing) FillUniform(values, 0.5, 1.5, random); else values.Fill(1f);
                break;
            case ("PRelu", _):
                if (testing) FillUniform(values, 0, 0.5, random); else values.Fill(0.25f);
                break;
            default: // biases, batch-normalisation shift and mean, additive constants
                if (testing) FillNormal(values, 0, 0.1, random);
                break;
        }
    }

    private static long Gemm(NodeProto node, string attribute) =>
        node.OpType == "Gemm" ? node.Attribute.FirstOrDefault(a => a.Name == attribute)?.I ?? 0 : 0;

    /// <summary>
    /// Normal values drawn as the sum of four uniforms (Irwin-Hall), rescaled to the exact mean and variance: one
    /// 64-bit draw and no transcendental function per value (VGG16 alone has 138 M parameters to draw). Tails are
    /// cut at ±3.46 standard deviations, harmless for initial weights.
    /// </summary>
    private static void FillNormal(FloatBuffer values, double mean, double std, SeededStream stream) =>
        stream.Fill(values, (ref Xoshiro generator, Span<float> chunk) =>
        {
            double scale = std * Math.Sqrt(3.0) / 65536.0;
            for (int i = 0; i < chunk.Length; i++)
            {
                ulong bits = generator.Next();
                long sum = (long)(bits & 0xFFFF) + (long)((bits >> 16) & 0xFFFF) + (long)((bits >> 32) & 0xFFFF)
                           + (long)(bits >> 48);
                // each 16-bit uniform has mean 32767.5, so four have 131070
                chunk[i] = (float)(mean + (sum - 131070) * scale);
            }
        });

    private static void FillUniform(FloatBuffer values, double low, double high, SeededStream stream) =>
        stream.Fill(values, (ref Xoshiro generator, Span<float> chunk) =>
        {
            for (int i = 0; i < chunk.Length; i++) chunk[i] = (float)(low + (high - low) * generator.NextDouble());
        });

    /// <summary>A byte array seen as floats (the tensor's raw data, little-endian like every supported platform).</summary>
    private readonly struct FloatBuffer(byte[] bytes)
    {
        public Span<float> Span => MemoryMarshal.Cast<byte, float>(bytes.AsSpan());

        public int Length => bytes.Length / sizeof(float);

        public void Fill(float value) => Span.Fill(value);
    }

    private delegate void ChunkFiller(ref Xoshiro generator, Span<float> chunk);

    /// <summary>
    /// The random values of one parameter: fixed-size chunks, each with its own generator seeded from (seed,
    /// parameter index, chunk index), so large tensors fill in parallel and the values never depend on the
    /// number of threads.
    /// </summary>
    private readonly record struct SeededStream(int Seed, int Parameter)
    {
        private const int ChunkSize = 1 << 18;

        public void Fill(FloatBuffer values, ChunkFiller filler)
        {
            int chunks = (values.Length + ChunkSize - 1) / ChunkSize;
            int seed = Seed, parameter = Parameter;
            Parallel.For(0, chunks, chunk =>
            {
                var generator = new Xoshiro(seed, parameter, chunk);
                int start = chunk * ChunkSize;
                filler(ref generator, values.Span.Slice(start, Math.Min(ChunkSize, values.Length - start)));
            });
        }
    }

    /// <summary>xoshiro256** seeded through SplitMix64: fast, and identical on every platform and .NET version.</summary>
    private struct Xoshiro
    {
        private ulong _s0, _s1, _s2, _s3;

        public Xoshiro(int seed, int parameter, int chunk)
        {
            ulong state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)parameter << 32 ^ (ulong)(uint)chunk;
            _s0 = SplitMix(ref state);
            _s1 = SplitMix(ref state);
            _s2 = SplitMix(ref state);
            _s3 = SplitMix(ref state);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        public ulong Next()
        {
            ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            ulong t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        private static ulong SplitMix(ref ulong state)
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
