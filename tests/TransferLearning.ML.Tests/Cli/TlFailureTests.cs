using Google.Protobuf;
using SkiaSharp;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Data;
using Xunit.Abstractions;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Cli;

/// <summary>
/// Every failure class <c>tl</c> can meet ends with one line on stderr that names the file (or flag) and the fix, and
/// the documented exit code; no stack trace. The bad inputs are built here: tiny ONNX graphs, damaged files, a bomb.
/// </summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class TlFailureTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder _work = new();

    private (int Exit, string Error) Tl(params string[] args)
    {
        var r = Run(args);
        return (r.Exit, r.Error);
    }

    private (int Exit, string Output, string Error) Run(params string[] args)
    {
        var r = TlRunner.Run(args);
        log.WriteLine($"tl {string.Join(' ', args.Select(a => a.StartsWith(_work.Path, StringComparison.Ordinal) ? "…" + a[_work.Path.Length..] : a))}\n→ exit {r.Exit}\n{r.Error}");
        return r;
    }

    /// <summary>Asserts the documented shape of a failure: the code, one "tl: error:" line, no stack trace, the given words.</summary>
    private void AssertOneLine((int Exit, string Error) result, int code, params string[] words)
    {
        string[] lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == result.Exit, $"exit {result.Exit}, expected {code}; stderr:\n{result.Error}");
        string[] errors = lines.Where(l => l.StartsWith("tl: error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, $"expected one error line; stderr:\n{result.Error}");
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
        foreach (string word in words) Assert.Contains(word, errors[0]);
    }

    /// <summary>Two classes of four small coloured PNGs.</summary>
    private string Images(byte[]? extra = null, string extraName = "bomb.png")
    {
        string root = Path.Combine(_work.Path, "images");
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < 4; i++)
            {
                var color = new SKColor((byte)(c * 200 + i * 10), (byte)(50 + i * 20), (byte)(200 - c * 150));
                File.WriteAllBytes(_work.File("images", c == 0 ? "a" : "b", $"{i}.png"), EncodedImages.Skia(20, 20, (_, _) => color));
            }
        if (extra is not null) File.WriteAllBytes(_work.File("images", "a", extraName), extra);
        return root;
    }

    /// <summary>x [N,3,16,16] → Conv(4, 3×3) → Relu → [op] → GlobalAveragePool → Flatten → features [N,4].</summary>
    internal static ModelProto Backbone(string? extraOp = null, bool weightsAsInputs = false, bool rank2 = false)
    {
        var random = new Random(3);
        var graph = new GraphProto { Name = "tiny-backbone" };
        if (rank2)
        {
            graph.Input.Add(ValueInfo("x", TensorProto.Types.DataType.Float, null, 48));
            graph.Output.Add(ValueInfo("features", TensorProto.Types.DataType.Float, null, 4));
            graph.Initializer.Add(FloatTensor("fc.weight", Values(random, 4 * 48), 4, 48));
            graph.Node.Add(Node("fc", "Gemm", ["x", "fc.weight"], ["features"], Int("transB", 1)));
            return Model(graph);
        }
        graph.Input.Add(ValueInfo("x", TensorProto.Types.DataType.Float, null, 3, 16, 16));
        graph.Output.Add(ValueInfo("features", TensorProto.Types.DataType.Float, null, 4));
        var weight = FloatTensor("conv.weight", Values(random, 4 * 27), 4, 3, 3, 3);
        var bias = FloatTensor("conv.bias", Values(random, 4), 4);
        if (weightsAsInputs)
        {
            graph.Input.Add(ValueInfo("conv.weight", TensorProto.Types.DataType.Float, 4, 3, 3, 3));
            graph.Input.Add(ValueInfo("conv.bias", TensorProto.Types.DataType.Float, 4));
        }
        else
        {
            graph.Initializer.Add(weight);
            graph.Initializer.Add(bias);
        }
        graph.Node.Add(Node("conv", "Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)));
        graph.Node.Add(Node("relu", "Relu", ["conv_out"], ["relu_out"]));
        string last = "relu_out";
        if (extraOp is not null)
        {
            graph.Node.Add(Node("mystery", extraOp, ["relu_out"], ["mystery_out"]));
            last = "mystery_out";
        }
        graph.Node.Add(Node("pool", "GlobalAveragePool", [last], ["pooled"]));
        graph.Node.Add(Node("flatten", "Flatten", ["pooled"], ["features"]));
        return Model(graph);
    }

    private string Write(ModelProto model, string name)
    {
        string path = _work.File(name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private string Out(string name) => Path.Combine(_work.Path, name);

    private (int Exit, string Error) Train(string weights, string mode, params string[] more) =>
        Tl(["train", "--train", Images(), "--weights", weights, "--mode", mode, "--epochs", "1", .. (mode == "finetune" ? new[] { "--unfreeze", "0" } : []),
            "--batch-size", "4", "--threads", "1", "--val-fraction", "0.25", "--augment", "none", "--out", Out("run-" + Guid.NewGuid().ToString("N")), .. more]);

    [Fact]
    public void An_unsupported_operator_names_the_operator_and_is_an_input_error()
    {
        string weights = Write(Backbone(extraOp: "FancyOp"), "unknown-op.onnx");
        AssertOneLine(Train(weights, "finetune"), 3, "unknown-op.onnx", "FancyOp", "mystery", "--mode features");
    }

    [Fact]
    public void Graph_only_weights_in_feature_mode_are_an_input_error_naming_the_file()
    {
        string weights = Write(Backbone(weightsAsInputs: true), "graph-only.onnx");
        AssertOneLine(Train(weights, "features"), 3, "graph-only.onnx", "graph inputs", "export");
    }

    [Fact]
    public void A_backbone_whose_input_is_not_an_image_is_an_input_error()
    {
        string weights = Write(Backbone(rank2: true), "rank2.onnx");
        AssertOneLine(Train(weights, "finetune"), 3, "rank2.onnx", "N×C×H×W");
    }

    [Fact]
    public void A_truncated_checkpoint_is_an_input_error_that_says_to_delete_the_folder()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string checkpoints = Path.Combine(_work.Path, "checkpoints");
        Directory.CreateDirectory(checkpoints);
        File.WriteAllBytes(Path.Combine(checkpoints, "checkpoint.tlckpt"), [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]);
        AssertOneLine(Train(weights, "finetune", "--checkpoints", checkpoints), 3, "checkpoint.tlckpt", "--checkpoints");
    }

    [Fact]
    public void A_checkpoint_of_another_run_is_an_input_error_that_says_to_delete_the_folder()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string checkpoints = Path.Combine(_work.Path, "checkpoints");
        Assert.Equal(0, Train(weights, "finetune", "--checkpoints", checkpoints, "--seed", "1").Exit);
        AssertOneLine(Train(weights, "finetune", "--checkpoints", checkpoints, "--seed", "2"), 3, "checkpoint", "--checkpoints");
    }

    [Fact]
    public void A_truncated_model_file_is_an_input_error_naming_it()
    {
        string model = _work.File("broken.tlmodel");
        File.WriteAllBytes(model, [0x50, 0x4B, 0x03, 0x04, 9, 9]);
        AssertOneLine(Tl("predict", "--model", model, _work.File("x.png")), 3, "broken.tlmodel");
    }

    [Fact]
    public void A_decompression_bomb_is_refused_naming_the_file_and_the_flags()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string images = Images(EncodedImages.Bomb(12000, 12000));
        var result = Tl("train", "--train", images, "--weights", weights, "--mode", "features", "--epochs", "1", "--threads", "1",
            "--out", Out("bomb-run"));
        AssertOneLine(result, 3, "bomb.png", "12000×12000", "--max-megapixels", "--skip-unreadable");
    }

    [Fact]
    public void With_skip_unreadable_a_bomb_is_left_out_listed_and_the_model_is_written()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string images = Images(EncodedImages.Bomb(12000, 12000));
        string run = Out("skip-run");
        var result = Tl("train", "--train", images, "--weights", weights, "--mode", "features", "--epochs", "2", "--threads", "1",
            "--val-fraction", "0.34", "--skip-unreadable", "--out", run);
        Assert.True(result.Exit == 0, result.Error);
        Assert.True(File.Exists(Path.Combine(run, "model.tlmodel")));
        Assert.Contains("bomb.png", result.Error); // the CLI summary lists skipped files on stderr
        Assert.Contains("bomb.png", File.ReadAllText(Path.Combine(run, "report.html")));
        Assert.Contains("bomb.png", File.ReadAllText(Path.Combine(run, "metrics.json")));
    }

    [Fact]
    public void A_test_set_of_one_class_writes_the_model_and_undefined_metrics_as_null_with_the_reason()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string images = Images();
        string test = Path.Combine(_work.Path, "one-class-test");
        foreach (string file in Directory.GetFiles(Path.Combine(images, "a")))
            File.Copy(file, _work.File("one-class-test", "a", Path.GetFileName(file)));
        string run = Out("one-class-run");
        var result = Tl("train", "--train", images, "--test", test, "--weights", weights, "--mode", "features", "--epochs", "2",
            "--threads", "1", "--val-fraction", "0.25", "--out", run);
        Assert.True(result.Exit == 0, result.Error);

        using var model = TransferLearning.ML.Models.TransferModel.Load(Path.Combine(run, "model.tlmodel"));
        Assert.Null(model.TestScores!.RocAuc);
        Assert.NotNull(model.TestScores.Accuracy);
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("rocAuc").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("sensitivity").ValueKind);
        Assert.Contains("every evaluated image is of class a", root.GetProperty("undefined").GetProperty("rocAuc").GetString());
        Assert.Contains("positive class b", root.GetProperty("undefined").GetProperty("sensitivity").GetString());
        string html = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Contains("Undefined metrics", html);
        Assert.Contains("every evaluated image is of class a", html);

        // tl evaluate on the same one-class folder writes its metrics.json too
        var evaluate = Tl("evaluate", "--model", Path.Combine(run, "model.tlmodel"), "--data", test, "--bootstrap", "0", "--out", Out("one-class-eval"));
        Assert.True(evaluate.Exit == 0, evaluate.Error);
        Assert.Contains("\"undefined\"", File.ReadAllText(Path.Combine(_work.Path, "one-class-eval", "metrics.json")));
    }

    [Fact]
    public void An_unwritable_output_is_an_io_error()
    {
        string weights = Write(Backbone(), "tiny.onnx");
        string blocker = _work.File("not-a-folder");
        File.WriteAllText(blocker, "a file where --out wants a folder");
        var result = Tl("train", "--train", Images(), "--weights", weights, "--mode", "features", "--epochs", "1", "--threads", "1",
            "--out", Path.Combine(blocker, "run"));
        AssertOneLine(result, 5, "--out", "not-a-folder");
    }

    [Fact]
    public void Help_lists_the_exit_codes()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        Assert.Contains("Exit codes: 0 done", output.ReplaceLineEndings(" ").Replace("  ", " "));
    }

    public void Dispose() => _work.Dispose();
}
