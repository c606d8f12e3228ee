using Google.Protobuf;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// MixUp and CutMix (<see cref="FineTuneOptions.MixUpAlpha"/>, <see cref="FineTuneOptions.CutMixAlpha"/>) at the input of
/// the first trainable block: the arithmetic of one mixed or cut batch, the exact cut it relies on all in TorchSharp (<see cref="OnnxModule.ForwardToBlock"/>), and that split
/// execution, the frozen-output cache and the all-TorchSharp path mix the same tensor, so they train the same model.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class MixUpTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(double alpha, double cutMix = 0) => new()
    {
        HeadEpochs = 2, Epochs = 2, UnfreezeLastBlocks = 2, BatchSize = 8, FineTuneLearningRate = 3e-3, MixUpAlpha = alpha, CutMixAlpha = cutMix,
    };

    [Fact]
    public void A_mixed_batch_is_lambda_times_itself_plus_the_rest_times_a_shuffled_copy()
    {
        manual_seed(3);
        using var x = randn(8, 4);
        using var labels = tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 });
        var (mixed, order, lambda) = new MixUp(0.4).Mix(x);
        using (mixed)
        using (order)
        {
            Assert.InRange(lambda, 0, 1);
            Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), order.data<long>().ToArray().Order());
            using var expected = x.mul(lambda).add(x.index_select(0, order).mul(1 - lambda));
            Assert.True(mixed.allclose(expected, rtol: 1e-6, atol: 1e-6));

            // the loss: λ·loss(y) + (1 − λ)·loss(y[order]), here with a loss that is the mean label
            using var loss = MixUp.Loss(y => y.to_type(ScalarType.Float32).mean(), labels, order, lambda);
            Assert.Equal(lambda * 0.5 + (1 - lambda) * 0.5, loss.item<float>(), 5);
        }
    }

    // MixUp alone draws λ from Beta(α, α), then the order: what it drew before CutMix existed, so a seeded run of the
    // default recipe trains the model it trained then
    [Fact]
    public void MixUp_alone_draws_lambda_then_the_order_from_the_seeded_generator()
    {
        using var x = randn(8, 4);
        manual_seed(3);
        double expectedLambda;
        using (var a = tensor(new[] { 0.4f }))
        using (var sample = distributions.Beta(a, a).sample())
            expectedLambda = sample.item<float>();
        using var expectedOrder = randperm(8, ScalarType.Int64);
        manual_seed(3);
        var (mixed, order, lambda) = new MixUp(0.4).Mix(x);
        using (mixed)
        using (order)
        {
            Assert.Equal(expectedLambda, lambda);
            Assert.Equal(expectedOrder.data<long>().ToArray(), order.data<long>().ToArray());
        }
    }

    [Fact]
    public void A_cut_batch_holds_a_box_of_the_shuffled_batch_and_lambda_is_the_share_outside_it()
    {
        manual_seed(7);
        using var x = randn(8, 3, 14, 14);
        var mixUp = new MixUp(0, cutMixAlpha: 1);
        for (int draw = 0; draw < 20; draw++)
        {
            var (mixed, order, lambda) = mixUp.Mix(x);
            using (mixed)
            using (order)
            using (var partner = x.index_select(0, order))
            {
                // where any image changed: one rectangle, holding the partner's values; everything else untouched
                using var changed = mixed.ne(x).any(0).any(0);
                bool[] cells = changed.data<bool>().ToArray();
                int[] rows = Enumerable.Range(0, 14).Where(r => Enumerable.Range(0, 14).Any(c => cells[r * 14 + c])).ToArray();
                int[] columns = Enumerable.Range(0, 14).Where(c => Enumerable.Range(0, 14).Any(r => cells[r * 14 + c])).ToArray();
                int boxCells = rows.Length * columns.Length;
                Assert.Equal(boxCells, cells.Count(v => v));
                if (boxCells > 0)
                {
                    Assert.Equal(rows.Length, rows[^1] - rows[0] + 1);
                    Assert.Equal(columns.Length, columns[^1] - columns[0] + 1);
                    using var inside = mixed.narrow(2, rows[0], rows.Length).narrow(3, columns[0], columns.Length);
                    using var pasted = partner.narrow(2, rows[0], rows.Length).narrow(3, columns[0], columns.Length);
                    Assert.True(inside.eq(pasted).all().item<bool>());
                }
                Assert.Equal(1 - boxCells / 196.0, lambda, 12);
            }
        }
    }

    [Fact]
    public void With_both_on_each_batch_is_either_cut_or_blended()
    {
        manual_seed(11);
        using var x = randn(8, 3, 14, 14);
        var both = new MixUp(0.4, cutMixAlpha: 1);
        int cut = 0, blended = 0;
        for (int draw = 0; draw < 40; draw++)
        {
            var (mixed, order, lambda) = both.Mix(x);
            using (mixed)
            using (order)
            using (var partner = x.index_select(0, order))
            using (var own = mixed.eq(x))
            using (var theirs = mixed.eq(partner))
            {
                // a cut batch holds, at every value, the image's own or its partner's; a blended one is λ·x + (1 − λ)·x'
                if (own.logical_or(theirs).all().item<bool>() && lambda < 1) cut++;
                else
                {
                    using var expected = x.mul(lambda).add(partner.mul(1 - lambda));
                    Assert.True(mixed.allclose(expected, rtol: 1e-5, atol: 1e-5));
                    blended++;
                }
            }
        }
        Assert.InRange(cut, 8, 32);
        Assert.InRange(blended, 8, 32);
        // an input that is not a map of [N, C, H, W] is blended (CutMix's α drawing λ)
        using var vectors = randn(8, 5);
        var (flat, flatOrder, flatLambda) = new MixUp(0, cutMixAlpha: 1).Mix(vectors);
        using (flat)
        using (flatOrder)
        using (var expectedFlat = vectors.mul(flatLambda).add(vectors.index_select(0, flatOrder).mul(1 - flatLambda)))
            Assert.True(flat.allclose(expectedFlat, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void The_blocks_before_a_cut_then_the_rest_compute_the_whole_forward_pass()
    {
        using var module = OnnxModule.FromBytes(LoopFixtures.BackboneModel().ToByteArray());
        module.eval();
        manual_seed(5);
        using var x = rand(4, 3, LoopFixtures.Size, LoopFixtures.Size);
        using var noGrad = no_grad();
        using var whole = module.forward(x);
        foreach (int block in new[] { 1, 2 })
        {
            using var boundary = module.ForwardToBlock(block, x);
            Assert.Equal(module.Blocks[block - 1].OutputName, block == 1 ? "p0" : "p1");
            Assert.Equal(new long[] { 4, LoopFixtures.Channels, LoopFixtures.Size >> block, LoopFixtures.Size >> block }, boundary.shape);
            using var rest = module.ForwardFromBlock(block, boundary);
            Assert.True(rest.allclose(whole, rtol: 0, atol: 0), $"cut before block {block}: the two halves differ from the whole");
        }
        Assert.Throws<InvalidOperationException>(() => module.ForwardToBlock(0, x));
    }

    /// <summary>
    /// Split execution mixes the boundary that ONNX Runtime computes; all in TorchSharp, the same boundary computed by
    /// the module: the same λ and order reach the same tensor, so the runs agree within the engines' rounding (as
    /// unmixed runs do, <c>Engine/SplitExecutionTests</c>). Mixing the images there instead would be another model.
    /// The cache keeps the unmixed boundary and mixing is drawn per batch, so a cached run is the uncached one.
    /// </summary>
    [Theory]
    [InlineData(0.4, 0)]
    [InlineData(0, 1)]
    public void Split_cached_and_all_TorchSharp_runs_mix_the_same_tensor(double mixUp, double cutMix)
    {
        var backbone = LoopFixtures.Backbone(_work);
        var log = new RecordingLogger();
        var split = LoopFixtures.Learner(backbone).FineTune(Options(mixUp, cutMix) with { FrozenOutputCacheBytes = 0 }).Fit();
        var cached = LoopFixtures.Learner(backbone).WithLogger(log).FineTune(Options(mixUp, cutMix)).Fit();
        var torchOnly = LoopFixtures.Learner(backbone).FineTune(Options(mixUp, cutMix) with { FrozenBlocksInOnnxRuntime = false }).Fit();
        var plain = LoopFixtures.Learner(backbone).FineTune(Options(0)).Fit();

        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the frozen blocks' output ('p0', [16,16,16] per image) is kept after the first epoch"));
        Assert.Equal(split.History.Select(h => h.TrainLoss), cached.History.Select(h => h.TrainLoss));
        Assert.Equal(split.History.Select(h => h.ValidationLoss), cached.History.Select(h => h.ValidationLoss));
        for (int i = 0; i < split.History.Count; i++)
        {
            double a = split.History[i].ValidationLoss, b = torchOnly.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-3 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} split, {b:G9} all TorchSharp");
            Assert.True(Math.Abs(split.History[i].TrainLoss - plain.History[i].TrainLoss) > 1e-4,
                $"epoch {i + 1}: the mixed run's training loss {split.History[i].TrainLoss:G9} is the unmixed one's");
        }
        // the trained weights: apart by the engines' rounding only (well below 1e-4 of how far training moved them;
        // mixing the images all in TorchSharp instead moves them apart by a sizeable fraction of that)
        var initial = LoopFixtures.Initializers(LoopFixtures.BackboneModel());
        var splitWeights = LoopFixtures.Initializers(split.Model.ToOnnxBytes());
        var torchWeights = LoopFixtures.Initializers(torchOnly.Model.ToOnnxBytes());
        foreach (string name in new[] { "conv1.w", "conv2.w" })
        {
            double moved = LoopFixtures.Distance(initial[name], torchWeights[name]), apart = LoopFixtures.Distance(splitWeights[name], torchWeights[name]);
            Assert.True(apart <= 1e-4 * moved, $"{name}: the two runs differ by {apart:G3}, training moved it by {moved:G3}");
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void A_negative_alpha_is_refused(double alpha)
    {
        var error = Assert.Throws<ArgumentException>(() => LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(Options(alpha)).Fit());
        Assert.Contains("MixUpAlpha must be ≥ 0", error.Message);
        var cutError = Assert.Throws<ArgumentException>(() => LoopFixtures.Learner(LoopFixtures.Backbone(_work)).FineTune(Options(0, alpha)).Fit());
        Assert.Contains("CutMixAlpha must be ≥ 0", cutError.Message);
    }

    public void Dispose() => _work.Dispose();
}
