using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Onnx.Module;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// Training from scratch starts from seeded fresh weights (OnnxModule.ReinitializeParameters): Kaiming-normal with
/// fan_out for convolutions (std √(2 / (out·kh·kw))), Xavier-normal for dense weights (std √(2 / (in + out))),
/// zero biases, batch norms at scale 1 / shift 0 / mean 0 / variance 1; the same seed gives the same weights, another
/// seed others. Sample standard deviations are checked within 5 standard errors (SE of a normal sample's std is
/// σ/√(2n)), means within 5·σ/√n.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class FromScratchTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static void LooksNormal(float[] values, double sigma, string what)
    {
        int n = values.Length;
        double std = LoopFixtures.Std(values), mean = LoopFixtures.Mean(values);
        Assert.True(Math.Abs(std / sigma - 1) < 5 / Math.Sqrt(2.0 * n), $"{what}: std {std:G4}, expected {sigma:G4} (n = {n})");
        Assert.True(Math.Abs(mean) < 5 * sigma / Math.Sqrt(n), $"{what}: mean {mean:G4} (σ {sigma:G4}, n = {n})");
    }

    /// <summary>x [N,32,8,8] → Conv 64×32×3×3 → BatchNormalization → Relu → GlobalAveragePool → Flatten → Gemm 256×64.</summary>
    private static ModelProto WideGraph() =>
        new TinyGraph([1, 32, 8, 8])
            .Weight("conv.w", [64, 32, 3, 3], seed: 1).Weight("conv.b", [64], seed: 2)
            .Weight("bn.scale", [64], seed: 3, offset: 1).Weight("bn.bias", [64], seed: 4)
            .Weight("bn.mean", [64], seed: 5).Weight("bn.var", [64], seed: 6, offset: 2)
            .Weight("fc.w", [256, 64], seed: 7).Weight("fc.b", [256], seed: 8)
            .Node("Conv", ["x", "conv.w", "conv.b"], "c", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("BatchNormalization", ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"], "n")
            .Node("Relu", ["n"], "r")
            .Node("GlobalAveragePool", ["r"], "g")
            .Node("Flatten", ["g"], "f", ("axis", 1L))
            .Node("Gemm", ["f", "fc.w", "fc.b"], "y", ("transB", 1L))
            .Model;

    private static Dictionary<string, float[]> Reinitialized(long seed)
    {
        using var module = OnnxModule.FromModel(WideGraph());
        module.ReinitializeParameters(seed);
        return LoopFixtures.Initializers(module.ToOnnx());
    }

    [Fact]
    public void Reinitialisation_follows_kaiming_and_xavier_and_resets_biases_and_batch_norms()
    {
        var w = Reinitialized(5);

        LooksNormal(w["conv.w"], Math.Sqrt(2.0 / (64 * 3 * 3)), "conv.w (Kaiming, fan_out)"); // n = 18 432: ±3.7 %
        LooksNormal(w["fc.w"], Math.Sqrt(2.0 / (64 + 256)), "fc.w (Xavier)");                 // n = 16 384: ±3.9 %
        Assert.All(w["conv.b"].Concat(w["fc.b"]).Concat(w["bn.bias"]).Concat(w["bn.mean"]), v => Assert.Equal(0f, v));
        Assert.All(w["bn.scale"].Concat(w["bn.var"]), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_others()
    {
        var a = Reinitialized(5);
        var b = Reinitialized(5);
        var c = Reinitialized(6);
        // bit-identical: one generator, seeded, drawn in a fixed order (documented by ReinitializeParameters)
        foreach (var name in a.Keys) Assert.Equal(a[name], b[name]);
        Assert.True(a["conv.w"].Zip(c["conv.w"], (x, y) => Math.Abs(x - y)).Average() > 0.01);
        Assert.True(a["fc.w"].Zip(c["fc.w"], (x, y) => Math.Abs(x - y)).Average() > 0.01);
    }

    /// <summary>
    /// Through the public API: a from-scratch run at a learning rate of 1e-9 (its steps move no weight by more than
    /// ~1e-8) exports the initial weights — not the file's, distributed as Kaiming says, seeded by WithSeed.
    /// </summary>
    [Fact]
    public void Train_from_scratch_starts_from_seeded_kaiming_weights_not_the_files()
    {
        var file = LoopFixtures.Initializers(LoopFixtures.BackboneModel());
        Dictionary<string, float[]> Run(int seed, out TrainingResult result)
        {
            result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).WithSeed(seed)
                .TrainFromScratch(new ScratchOptions { Epochs = 1, LearningRate = 1e-9, BatchSize = 8 }).Fit();
            return LoopFixtures.Initializers(result.Model.ToOnnxBytes());
        }
        var a = Run(42, out var first);
        var b = Run(42, out _);
        var c = Run(43, out _);

        Assert.Equal(TrainingMode.FromScratch, first.Model.Mode);
        Assert.Equal([new PhaseSummary("scratch", 1, 1)], first.Phases);
        const double moved = 1e-6; // 3 Adam steps of ≤ 1e-9 each (one-cycle factor ≤ 1), far below
        foreach (string conv in LoopFixtures.Convolutions)
        {
            Assert.True(file[conv].Zip(a[conv], (x, y) => Math.Abs(x - y)).Average() > 0.05, $"{conv} kept the file's weights");
            // every convolution of the fixture has 16 output channels and a 3×3 kernel: fan_out = 144
            LooksNormal(a[conv], Math.Sqrt(2.0 / (LoopFixtures.Channels * 9)), conv);
            Assert.True(a[conv].Zip(b[conv], (x, y) => Math.Abs(x - y)).Max() <= moved, $"{conv}: same seed, other weights");
            Assert.True(a[conv].Zip(c[conv], (x, y) => Math.Abs(x - y)).Average() > 0.05, $"{conv}: another seed, same weights");
        }
        for (int blk = 0; blk < 3; blk++)
        {
            Assert.All(a[$"conv{blk}.b"].Concat(a[$"bn{blk}.bias"]), v => Assert.True(Math.Abs(v) <= moved, $"block {blk}: {v}"));
            Assert.All(a[$"bn{blk}.scale"], v => Assert.True(Math.Abs(v - 1) <= moved, $"block {blk} scale: {v}"));
        }
        // a constant of the graph is not a weight: it keeps its value
        Assert.Equal(file["input.scale"], a["input.scale"]);
    }

    public void Dispose() => _work.Dispose();
}
