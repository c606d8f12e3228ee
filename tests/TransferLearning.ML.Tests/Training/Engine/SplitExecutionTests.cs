using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Training.Loop;
using TransferLearning.ML.Training;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Engine;

/// <summary>
/// Split execution (issue 15, part 1): with <see cref="FineTuneOptions.FrozenBlocksInOnnxRuntime"/> the frozen
/// blocks of each phase run in ONNX Runtime and the rest in TorchSharp. The cut is exact, so a run gives what the
/// all-TorchSharp path gives with the same seed, up to float rounding of the two engines' kernels.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class SplitExecutionTests : IDisposable
{
    private readonly TempFolder _work = new();

    private static FineTuneOptions Options(int unfreeze, bool split) => new()
    {
        HeadEpochs = 2, Epochs = 2, UnfreezeLastBlocks = unfreeze, BatchSize = 8, FineTuneLearningRate = 3e-3,
        FrozenBlocksInOnnxRuntime = split,
    };

    /// <summary>
    /// Both phases split (the head phase at the feature tensor, the fine-tune phase before the first unfrozen block),
    /// as the log says; validation loss per epoch within 1e-3 relative of the all-TorchSharp run. Weights: ONNX Runtime
    /// and libtorch round convolutions differently (~1e-7 relative per value), and 12 AdamW steps carry that into the
    /// weights; the difference between the two trained models must stay below 1e-4 of how far training moved the
    /// weights (measured: at most 1.5e-6; a wrong boundary, a trainable block run frozen in ONNX Runtime, or a block
    /// run twice or skipped, makes it of the order of 1).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Split_execution_gives_the_all_TorchSharp_results(int unfreeze)
    {
        var backbone = LoopFixtures.Backbone(_work);
        var log = new RecordingLogger();
        var split = LoopFixtures.Learner(backbone).WithLogger(log).FineTune(Options(unfreeze, split: true)).Fit();
        var torchOnly = LoopFixtures.Learner(backbone).FineTune(Options(unfreeze, split: false)).Fit();

        Assert.Contains(log.Messages, m => m.Contains("Phase head: the 3 frozen blocks of 3 run in ONNX Runtime up to 'y'"));
        Assert.Contains(log.Messages, m => m.Contains($"Phase finetune: the {3 - unfreeze} frozen blocks of 3 run in ONNX Runtime up to 'p{2 - unfreeze}'"));
        Assert.Equal(torchOnly.History.Count, split.History.Count);
        for (int i = 0; i < split.History.Count; i++)
        {
            double a = split.History[i].ValidationLoss, b = torchOnly.History[i].ValidationLoss;
            Assert.True(Math.Abs(a - b) <= 1e-3 * Math.Abs(b), $"epoch {i + 1}: validation loss {a:G9} split, {b:G9} all TorchSharp");
        }

        var initial = LoopFixtures.Initializers(LoopFixtures.BackboneModel());
        var splitWeights = LoopFixtures.Initializers(split.Model.ToOnnxBytes());
        var torchWeights = LoopFixtures.Initializers(torchOnly.Model.ToOnnxBytes());
        foreach (string name in initial.Keys)
        {
            double moved = LoopFixtures.Distance(initial[name], torchWeights[name]), apart = LoopFixtures.Distance(splitWeights[name], torchWeights[name]);
            Assert.True(apart <= 1e-4 * moved || apart == 0, $"{name}: the two runs differ by {apart:G3}, training moved it by {moved:G3}");
        }
        // the exported classifier holds the whole backbone: the frozen blocks with their imported weights
        Assert.Equal(initial["conv0.w"], splitWeights["conv0.w"]);
    }

    /// <summary>Turned off, or where the frozen part holds a Dropout (it trains in TorchSharp, not in ONNX Runtime),
    /// every phase runs all in TorchSharp: the log says why, and the run is the all-TorchSharp run bit for bit.</summary>
    [Fact]
    public void A_Dropout_in_the_frozen_blocks_falls_back_to_the_all_TorchSharp_path()
    {
        string path = _work.File("dropout-backbone.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(WithDropoutAfterInput(LoopFixtures.BackboneModel())));
        var backbone = ML.Backbones.Backbone.FromOnnx(path);
        var log = new RecordingLogger();
        var fallback = LoopFixtures.Learner(backbone).WithLogger(log).FineTune(Options(1, split: true)).Fit();
        var torchOnly = LoopFixtures.Learner(backbone).FineTune(Options(1, split: false)).Fit();

        Assert.Contains(log.Messages, m => m.Contains("Phase finetune: the 2 frozen blocks run in TorchSharp (the frozen blocks contain Dropout"));
        Assert.DoesNotContain(log.Messages, m => m.Contains("run in ONNX Runtime"));
        Assert.Equal(torchOnly.History.Select(h => h.ValidationLoss), fallback.History.Select(h => h.ValidationLoss));
        Assert.Equal(LoopFixtures.Initializers(torchOnly.Model.ToOnnxBytes())["conv2.w"], LoopFixtures.Initializers(fallback.Model.ToOnnxBytes())["conv2.w"]);
    }

    /// <summary>The module from every block boundary on computes what the whole module computes, bit for bit (the
    /// same libtorch operators on the same boundary tensor), and ONNX Runtime's boundary tensor is the module's up to
    /// kernel rounding.</summary>
    [Fact]
    public void The_module_from_a_block_boundary_computes_the_whole_module_output()
    {
        var model = LoopFixtures.BackboneModel();
        using var module = OnnxModule.FromModel(model);
        using var scope = NewDisposeScope();
        manual_seed(3);
        Tensor images = randn(4, 3, LoopFixtures.Size, LoopFixtures.Size);
        module.eval();
        using var _ = no_grad();
        var boundaries = module.Blocks.Select(b => b.OutputName).ToList();
        Tensor whole = module.Forward(images, boundaries, out var extras);
        for (int block = 1; block <= module.Blocks.Count; block++)
        {
            Assert.Null(module.CanStartAt(block));
            Tensor boundary = extras[boundaries[block - 1]];
            Tensor fromBlock = module.ForwardFromBlock(block, boundary.clone());
            float difference = (fromBlock - whole).abs().max().item<float>();
            Assert.True(difference == 0, $"from block {block}: max |Δ| {difference}");

            using var prefix = new OnnxRuntimeFeatureExtractor(GraphSurgery.CutAt(OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(model)), boundaries[block - 1]));
            float[] ort = prefix.Extract(images.data<float>().ToArray(), batchSize: 4);
            float[] torch = boundary.contiguous().data<float>().ToArray();
            Assert.Equal(torch.Length, ort.Length);
            double worst = torch.Zip(ort, (x, y) => Math.Abs((double)x - y)).Max();
            Assert.True(worst <= 1e-4, $"block {block}: ONNX Runtime's '{boundaries[block - 1]}' differs from the module's by {worst:G3}");
        }
        Assert.NotNull(module.CanStartAt(0));
        Assert.NotNull(module.CanStartAt(module.Blocks.Count + 1));
    }

    private static ModelProto WithDropoutAfterInput(ModelProto model)
    {
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        conv.Input[0] = "dropped";
        var dropout = new NodeProto { Name = "dropout0", OpType = "Dropout" };
        dropout.Input.Add("scaled");
        dropout.Output.Add("dropped");
        int at = model.Graph.Node.IndexOf(conv);
        model.Graph.Node.Insert(at, dropout);
        return model;
    }

    public void Dispose() => _work.Dispose();
}
