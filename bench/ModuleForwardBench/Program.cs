// Measures OnnxModule against ONNX Runtime on MobileNetV2 (forward, no_grad) and the module's fine-tuning step.
// Usage: dotnet run --project bench/ModuleForwardBench -c Release [-- <path to mobilenetv2-imagenet.onnx>] [iterations]
// Run it once as is and once with MALLOC_ARENA_MAX=1 to see what glibc's per-thread arenas cost a worker thread.
//   --suffix  profiles the trainable part of the default split fine-tune step alone (last 5 blocks + head from a
//             random boundary tensor [32,96,14,14]; the peer is bench/pytorch/suffix_step.py)
//   --ops     times single operators of that step, forward and backward (peer: suffix_step.py --ops)
//   --split   the split step's two halves on one in-memory batch: the frozen blocks in ONNX Runtime (cut graph, with
//             and without intra-op spinning), the trainable part in TorchSharp, and the two one after the other, as
//             the library runs them (run it with and without OMP_WAIT_POLICY=PASSIVE to see libtorch's idle threads)
//   --loader  the loader's share of a split fine-tune: TransferLearner.Fit on 256 kermany-cxr images (no augmentation)
//             with the default loader, one decoding thread, and the decoded inputs cached (no decoding after the first
//             epoch), interleaved over 3 rounds
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

const int Batch = 32, Size = 224, Threads = 2;
string[] positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
string modelPath = positional.Length > 0 ? positional[0] : DefaultModelPath();
int iterations = positional.Length > 1 ? int.Parse(positional[1]) : 5;
torch.set_num_threads(Threads);
if (args.Contains("--ops")) { Operators(); return; }
if (args.Contains("--suffix")) { Suffix(modelPath); return; }
if (args.Contains("--split")) { Split(modelPath); return; }
if (args.Contains("--loader")) { Loader(modelPath); return; }
Console.WriteLine($"allocator: {TransferLearning.ML.Runtime.NativeAllocator.EnsureApplied()}");
Console.WriteLine($"model {modelPath}; batch {Batch}, {Size}x{Size}, {Threads} threads, {iterations} timed iterations after warm-up");

byte[] bytes = File.ReadAllBytes(modelPath);
var random = new Random(1);
float[] input = new float[Batch * 3 * Size * Size];
for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
long[] shape = [Batch, 3, Size, Size];

using (var module = OnnxModule.FromBytes(bytes))
{
    module.eval();
    using Tensor x = torch.tensor(input, shape);
    double seconds = Time(iterations, () =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.forward(x);
    });
    Console.WriteLine($"OnnxModule forward (no_grad):      {Batch * iterations / seconds,8:F1} images/s");
    // the same forward on a thread-pool thread: glibc gives it its own malloc arena unless MALLOC_ARENA_MAX=1
    double workerSeconds = Task.Run(() => Time(iterations, () =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        module.forward(x);
    })).GetAwaiter().GetResult();
    Console.WriteLine($"  same, on a thread-pool thread:   {Batch * iterations / workerSeconds,8:F1} images/s " +
                      $"(worker / main {seconds / workerSeconds:F3}; MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "unset"})");
}

using (var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1 })
using (var session = new InferenceSession(bytes, options))
using (var value = OrtValue.CreateTensorValueFromMemory(input, shape))
using (var runOptions = new RunOptions())
{
    string inputName = session.InputMetadata.Keys.Single(), outputName = session.OutputMetadata.Keys.Single();
    double seconds = Time(iterations, () =>
    {
        using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
    });
    Console.WriteLine($"ONNX Runtime forward:              {Batch * iterations / seconds,8:F1} images/s");
}

using (var backbone = OnnxModule.FromBytes(bytes, new OnnxModuleOptions { OutputName = PooledFeatures(bytes) }))
{
    backbone.FreezeAllButLastBlocks(5);
    using var head = nn.Linear(1280, 2);
    var parameters = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToList();
    using var optimizer = optim.Adam(parameters, lr: 1e-4);
    backbone.train();
    head.train();
    using Tensor x = torch.tensor(input, shape);
    using Tensor labels = torch.tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % 2)).ToArray());
    double seconds = Time(iterations, () =>
    {
        using var scope = NewDisposeScope();
        Tensor logits = head.forward(backbone.forward(x).flatten(1));
        Tensor loss = nn.functional.cross_entropy(logits, labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    });
    Console.WriteLine($"OnnxModule train step, last 5 of {backbone.Blocks.Count} blocks + Linear(1280,2), Adam: {Batch * iterations / seconds,8:F1} images/s");
}

// the split fine-tune's TorchSharp part: MobileNetV2's last 5 blocks + a Linear head, AdamW, from the boundary
static void Suffix(string modelPath)
{
    const int unfrozen = 5;
    Console.WriteLine($"allocator: {TransferLearning.ML.Runtime.NativeAllocator.EnsureApplied()}");
    byte[] bytes = File.ReadAllBytes(modelPath);
    using var backbone = OnnxModule.FromBytes(bytes, new OnnxModuleOptions { OutputName = PooledFeatures(bytes) });
    backbone.FreezeAllButLastBlocks(unfrozen);
    int start = backbone.Blocks.Count - unfrozen;
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
}

// the split step's halves: ONNX Runtime on the graph cut at the boundary, then the TorchSharp part from its output
static void Split(string modelPath)
{
    const int unfrozen = 5;
    Console.WriteLine($"allocator: {TransferLearning.ML.Runtime.NativeAllocator.EnsureApplied()}; OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}");
    byte[] bytes = File.ReadAllBytes(modelPath);
    using var backbone = OnnxModule.FromBytes(bytes, new OnnxModuleOptions { OutputName = PooledFeatures(bytes) });
    backbone.FreezeAllButLastBlocks(unfrozen);
    int start = backbone.Blocks.Count - unfrozen;
    string boundary = backbone.Blocks[start - 1].OutputName;
    byte[] prefixBytes = TransferLearning.ML.Onnx.GraphSurgery.CutAt(TransferLearning.ML.Onnx.OnnxModel.FromBytes(bytes), boundary).ToBytes();
    using var head = nn.Linear(1280, 2);
    var parameters = backbone.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToList();
    using var optimizer = optim.AdamW(parameters, lr: 1e-4, weight_decay: 0.01);
    torch.random.manual_seed(1);
    using Tensor images = rand(Batch, 3, Size, Size);
    using Tensor labels = tensor(Enumerable.Range(0, Batch).Select(i => (long)(i % 2)).ToArray());
    backbone.train();
    head.train();
    using Tensor boundaryTensor = empty(Batch, 96, 14, 14);
    void SuffixStep(Tensor x)
    {
        using var s = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(head.forward(backbone.ForwardFromBlock(start, x).flatten(1)), labels).backward();
        optimizer.step();
    }
    unsafe Action Prefix(InferenceSession session)
    {
        string input = session.InputMetadata.Keys.Single(), output = session.OutputMetadata.Keys.Single();
        var runOptions = new RunOptions();
        return () =>
        {
            using var i = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [Batch, 3, Size, Size],
                Pointer(images), images.NumberOfElements * 4);
            using var o = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, [Batch, 96, 14, 14],
                Pointer(boundaryTensor), boundaryTensor.NumberOfElements * 4);
            session.Run(runOptions, [input], [i], [output], [o]);
        };
    }
    // libtorch's CPU memory does not move: its address outlives the fixed statement
    static unsafe IntPtr Pointer(Tensor t) { fixed (byte* p = t.bytes) return (IntPtr)p; }
    InferenceSession Session(bool spin, bool forceStop)
    {
        var options = new SessionOptions { IntraOpNumThreads = Threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
        if (forceStop) options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        return new InferenceSession(prefixBytes, options);
    }
    using var noSpin = Session(false, false);
    using var spin = Session(true, false);
    using var spinStop = Session(true, true);
    Action p0 = Prefix(noSpin), p1 = Prefix(spin), p2 = Prefix(spinStop);
    Console.WriteLine($"boundary {boundary}; batch {Batch}, {Threads} threads; best of 3 x 10 steps, two rounds");
    for (int round = 1; round <= 2; round++)
    {
        Console.WriteLine($"round {round}");
        Report("prefix alone, ONNX Runtime, spinning off (library)", p0);
        Report("prefix alone, ONNX Runtime, spinning on", p1);
        Report("suffix step alone (AdamW)", () => SuffixStep(boundaryTensor));
        Report("prefix (spinning off) + suffix step (library)", () => { p0(); SuffixStep(boundaryTensor); });
        Report("prefix (spinning on) + suffix step", () => { p1(); SuffixStep(boundaryTensor); });
        Report("prefix (spinning on, force_spinning_stop) + suffix step", () => { p2(); SuffixStep(boundaryTensor); });
    }
}

// the split fine-tune with three loader settings, interleaved: the training pass's img/s, best fine-tune epoch
static void Loader(string modelPath)
{
    var backbone = TransferLearning.ML.Backbones.Backbone.FromOnnx(modelPath);
    string images = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(modelPath))!, "datasets", "kermany-cxr", "train");
    var train = TransferLearning.ML.Data.ImageDataset.FromFolder(images, new TransferLearning.ML.Data.ImageDatasetOptions { MaxImagesPerClass = 128, Seed = 1 });
    var variants = new (string Name, TransferLearning.ML.Data.ImageLoadingOptions Loading)[]
    {
        ("default loader (2 decoding threads)", new()),
        ("1 decoding thread", new() { Workers = 1 }),
        ("decoded inputs cached (1 GiB)", new() { DecodedCacheBytes = 1L << 30 }),
    };
    Console.WriteLine($"split fine-tune, MobileNetV2 last 5 blocks + head, batch 32, {train.Count} kermany-cxr images (15 % validate), no augmentation, {Threads} threads");
    for (int round = 1; round <= 3; round++)
        foreach (var (name, loading) in variants)
        {
            var result = TransferLearning.ML.TransferLearner.For(backbone).WithSplits(train)
                .Augment(TransferLearning.ML.Data.Augmentations.None).WithThreads(Threads).WithBootstrap(0).WithSeed(1).WithLoader(loading)
                .FineTune(new TransferLearning.ML.Training.FineTuneOptions { HeadEpochs = 1, Epochs = 2, BatchSize = Batch, FrozenOutputCacheBytes = 0 })
                .Fit();
            result.Model.Dispose();
            double best = result.History.Where(h => h.Phase == "finetune").Max(h => h.TrainImagesPerSecond);
            Console.WriteLine($"round {round}: {name}: {best:F1} img/s");
        }
}

// the step's operators on their shapes, forward and forward+backward
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

// best of 3 rounds of 10 steps after 3 warm-up steps, in ms per batch
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

static double Time(int iterations, Action step)
{
    step();
    step();
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++) step();
    return watch.Elapsed.TotalSeconds;
}

static string PooledFeatures(byte[] bytes)
{
    // the output of the graph's GlobalAveragePool, found without the internal ONNX classes: run the module once
    // over the block list and take the block that ends in the pooling
    using var module = OnnxModule.FromBytes(bytes);
    return module.Blocks.Select(b => b.OutputName).First(name => name.Contains("GlobalAveragePool"));
}

static string DefaultModelPath()
{
    string? shared = Environment.GetEnvironmentVariable("TL_SHARED_DIR");
    if (string.IsNullOrEmpty(shared))
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            {
                shared = Path.Combine(dir.FullName, "..", "shared");
                break;
            }
    return Path.GetFullPath(Path.Combine(shared ?? "shared", "models", "mobilenetv2-imagenet.onnx"));
}
