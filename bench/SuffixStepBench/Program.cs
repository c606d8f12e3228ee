// Profiles the trainable part of the default fine-tune step (MobileNetV2, last 5 blocks + head, batch 32): the
// suffix the library runs in TorchSharp after the ONNX Runtime prefix, on a random boundary tensor [32,96,14,14].
// Usage: dotnet run --project bench/SuffixStepBench -c Release [-- <path to mobilenetv2-imagenet.onnx>]
using System.Diagnostics;
using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

const int Batch = 32, Threads = 2, Unfrozen = 5;
torch.set_num_threads(Threads);
if (args.Contains("--ops")) { Operators(); return; }
string modelPath = args.Length > 0 ? args[0] : DefaultModelPath();
Console.WriteLine($"allocator: {TransferLearning.ML.Runtime.NativeAllocator.EnsureApplied()}");
byte[] bytes = File.ReadAllBytes(modelPath);
using var backbone = OnnxModule.FromBytes(bytes, new OnnxModuleOptions { OutputName = PooledFeatures(bytes) });
backbone.FreezeAllButLastBlocks(Unfrozen);
int start = backbone.Blocks.Count - Unfrozen;
Console.WriteLine($"boundary {backbone.Blocks[start - 1].OutputName}; {backbone.Blocks.Count} blocks, from block {start}");
using var head = nn.Linear(1280, 2);
var parameters = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToList();
using var optimizer = optim.AdamW(parameters, lr: 1e-4, weight_decay: 0.01);
torch.random.manual_seed(1);
using Tensor x = randn(Batch, 96, 14, 14);
using Tensor labels = tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % 2)).ToArray());
backbone.train();
head.train();

Tensor Loss() => nn.functional.cross_entropy(head.forward(backbone.ForwardFromBlock(start, x).flatten(1)), labels);
Report("forward no_grad", () => { using var s = NewDisposeScope(); using var g = no_grad(); backbone.ForwardFromBlock(start, x); });
Report("forward with grad", () => { using var s = NewDisposeScope(); Loss(); });
Report("forward+backward", () => { using var s = NewDisposeScope(); optimizer.zero_grad(); Loss().backward(); });
Report("full step (AdamW)", () => { using var s = NewDisposeScope(); optimizer.zero_grad(); Loss().backward(); optimizer.step(); });
Report("optimizer step alone", () => { using var s = NewDisposeScope(); optimizer.step(); });

static void Operators()
{
    foreach (var (c, hw, k, g, name) in new[] { (576L, 14L, 3L, 576L, "dw3x3 576@14"), (960, 7, 3, 960, "dw3x3 960@7"), (160, 7, 1, 1, "pw 160->960@7") })
    {
        long cout = g > 1 ? c : 960;
        using Tensor x = randn(32, c, hw, hw).requires_grad_(true);
        using Tensor w = randn(cout, c / g, k, k).requires_grad_(true);
        using Tensor b = randn(cout).requires_grad_(true);
        Report($"{name} forward", () => { using var s = NewDisposeScope(); using var n = no_grad(); nn.functional.conv2d(x, w, b, [1], [k / 2], [1], g); });
        Report($"{name} forward+backward", () => { using var s = NewDisposeScope(); nn.functional.conv2d(x, w, b, [1], [k / 2], [1], g).sum().backward(); });
    }
    using Tensor y = randn(32, 960, 7, 7).requires_grad_(true);
    Report("clamp(0,6) forward+backward", () => { using var s = NewDisposeScope(); y.clamp(0, 6).sum().backward(); });
    Report("hardtanh(0,6) forward+backward", () => { using var s = NewDisposeScope(); nn.functional.hardtanh(y, 0, 6).sum().backward(); });
    Report("relu6 forward+backward", () => { using var s = NewDisposeScope(); nn.functional.relu6(y).sum().backward(); });
}

static void Report(string what, Action step)
{
    for (int i = 0; i < 3; i++) step();
    double best = double.MaxValue;
    for (int r = 0; r < 3; r++)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++) step();
        best = Math.Min(best, watch.Elapsed.TotalMilliseconds / 10);
    }
    Console.WriteLine($"torchsharp {what}: {best:F1} ms/batch");
}

static string PooledFeatures(byte[] bytes)
{
    using var module = OnnxModule.FromBytes(bytes);
    return module.Blocks.Select(b => b.OutputName).First(name => name.Contains("GlobalAveragePool"));
}

static string DefaultModelPath()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "models", "mobilenetv2-imagenet.onnx"));
    return "mobilenetv2-imagenet.onnx";
}
