using Google.Protobuf;
using SkiaSharp;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Onnx.Module;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// What the fast training-loop tests run on, all made in memory (nothing from <c>../shared</c>): a three-block
/// 32×32 convolutional backbone built with <see cref="TinyGraph"/>, and two classes of synthetic images (a bright
/// or a dark square on seeded noise) that the backbone separates within an epoch or two.
/// </summary>
internal static class LoopFixtures
{
    public const int Size = 32;
    public const int Channels = 16;

    /// <summary>The backbone's parameterised convolutions, in block order (one per block).</summary>
    public static readonly string[] Convolutions = ["conv0.w", "conv1.w", "conv2.w"];

    /// <summary>The non-trainable initializers: a per-channel input constant and the BN running statistics.</summary>
    public static readonly string[] Constants = ["input.scale", "bn0.mean", "bn0.var", "bn1.mean", "bn1.var", "bn2.mean", "bn2.var"];

    /// <summary>
    /// x [N,3,32,32] → Mul(constant) → three blocks of Conv 3×3 → BatchNormalization → Relu, the first two closed
    /// by MaxPool 2×2, the last by GlobalAveragePool → Flatten → y [N,16]. The block partition cuts at the two
    /// poolings, so the module has three blocks, each owning one convolution and one BatchNormalization.
    /// Weights are seeded, Kaiming-uniform scaled (so activations stay of order one).
    /// </summary>
    public static ModelProto BackboneModel(int seed = 11)
    {
        var g = new TinyGraph([1, 3, Size, Size]);
        var random = new Random(seed);
        void Tensor(string name, long[] shape, Func<float> value)
        {
            long count = shape.Aggregate(1L, (a, b) => a * b);
            var values = new float[count];
            for (long i = 0; i < count; i++) values[i] = value();
            g.Model.Graph.Initializer.Add(TensorData.FromFloats(name, values, shape));
        }
        float Uniform(double bound) => (float)((random.NextDouble() * 2 - 1) * bound);

        Tensor("input.scale", [1, 3, 1, 1], () => 0.9f);
        g.Node("Mul", ["x", "input.scale"], "scaled");
        string x = "scaled";
        long inChannels = 3;
        for (int b = 0; b < 3; b++)
        {
            double bound = Math.Sqrt(6.0 / (inChannels * 9));
            Tensor($"conv{b}.w", [Channels, inChannels, 3, 3], () => Uniform(bound));
            Tensor($"conv{b}.b", [Channels], () => Uniform(0.1));
            Tensor($"bn{b}.scale", [Channels], () => 1 + Uniform(0.2));
            Tensor($"bn{b}.bias", [Channels], () => Uniform(0.2));
            Tensor($"bn{b}.mean", [Channels], () => Uniform(0.2));
            Tensor($"bn{b}.var", [Channels], () => 1.5f + Uniform(0.5));
            g.Node("Conv", [x, $"conv{b}.w", $"conv{b}.b"], $"c{b}", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
            g.Node("BatchNormalization", [$"c{b}", $"bn{b}.scale", $"bn{b}.bias", $"bn{b}.mean", $"bn{b}.var"], $"n{b}");
            g.Node("Relu", [$"n{b}"], $"r{b}");
            if (b < 2)
                g.Node("MaxPool", [$"r{b}"], $"p{b}", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
            x = b < 2 ? $"p{b}" : $"r{b}";
            inChannels = Channels;
        }
        g.Node("GlobalAveragePool", [x], "gap");
        g.Node("Flatten", ["gap"], "y", ("axis", 1L));
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Channels });
        g.Model.Graph.Output[0].Type.TensorType.Shape = shape;
        return g.Model;
    }

    /// <summary>The Euclidean distance between two weight tensors' values.</summary>
    public static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => ((double)x - y) * ((double)x - y)).Sum());

    /// <summary>The backbone written to <paramref name="folder"/> and loaded as a user would.</summary>
    public static Backbone Backbone(TempFolder folder, int seed = 11)
    {
        string path = folder.File($"tiny-backbone-{seed}.onnx");
        File.WriteAllBytes(path, BackboneModel(seed).ToByteArray());
        return ML.Backbones.Backbone.FromOnnx(path);
    }

    /// <summary>
    /// <paramref name="perClass"/> 32×32 PNGs per class: grey noise (seeded) with a 12×12 square at a seeded
    /// position, bright (≈230) for class "bright", dark (≈25) for class "dark".
    /// </summary>
    public static ImageDataset Images(int perClass, int seed, string prefix) =>
        ImageDataset.FromMemory(Pngs(perClass, seed, prefix), new ImageDatasetOptions { ClassNames = ["bright", "dark"] });

    /// <summary>The images of <see cref="Images"/> written to <paramref name="root"/>/&lt;class&gt;/NN.png; returns the folder.</summary>
    public static string WriteImages(string root, int perClass, int seed)
    {
        foreach (var (name, png, _) in Pngs(perClass, seed, root))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(name)!);
            File.WriteAllBytes(name, png);
        }
        return root;
    }

    private static List<(string Name, byte[] Png, string Label)> Pngs(int perClass, int seed, string prefix)
    {
        var random = new Random(seed);
        var images = new List<(string, byte[], string)>();
        foreach (var (label, level) in new[] { ("bright", 230), ("dark", 25) })
            for (int i = 0; i < perClass; i++)
            {
                int left = random.Next(0, Size - 12), top = random.Next(0, Size - 12);
                var noise = new byte[Size * Size];
                for (int p = 0; p < noise.Length; p++) noise[p] = (byte)Math.Clamp(128 + random.Next(-40, 41), 0, 255);
                byte[] png = EncodedImages.Skia(Size, Size, (px, py) =>
                {
                    bool inSquare = px >= left && px < left + 12 && py >= top && py < top + 12;
                    byte v = inSquare ? (byte)Math.Clamp(level + noise[py * Size + px] / 8 - 16, 0, 255) : noise[py * Size + px];
                    return new SKColor(v, v, v);
                });
                images.Add(($"{prefix}/{label}/{i:D2}.png", png, label));
            }
        return images;
    }

    /// <summary>A learner on the tiny backbone: 2×12 training and 2×6 validation images, no test split, no
    /// augmentation, one torch thread and one loader worker (one thread: runs in one process are reproducible).</summary>
    public static TransferLearner Learner(Backbone backbone) =>
        TransferLearner.For(backbone)
            .WithSplits(Images(12, seed: 1, "train"), Images(6, seed: 2, "validation"))
            .Augment(Augmentations.None)
            .WithThreads(1)
            .WithLoader(new ImageLoadingOptions { Workers = 1 })
            .WithBootstrap(0)
            .WithSeed(42);

    /// <summary>Every float initializer of a graph by name.</summary>
    public static Dictionary<string, float[]> Initializers(byte[] onnx) => Initializers(ModelProto.Parser.ParseFrom(onnx));

    public static Dictionary<string, float[]> Initializers(ModelProto model) =>
        model.Graph.Initializer.Where(TensorData.IsFloatingPoint).ToDictionary(t => t.Name, TensorData.ToFloatArray);

    public static double Mean(IReadOnlyList<float> values) => values.Average(v => (double)v);

    public static double Std(IReadOnlyList<float> values)
    {
        double mean = Mean(values);
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
