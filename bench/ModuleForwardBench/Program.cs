// Measures OnnxModule against ONNX Runtime on MobileNetV2 (forward, no_grad) and the module's fine-tuning step.
// Usage: dotnet run --project bench/ModuleForwardBench -c Release [-- <path to mobilenetv2-imagenet.onnx>] [iterations]
// Run it once as is and once with MALLOC_ARENA_MAX=1 to see what glibc's per-thread arenas cost a worker thread.
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using static TorchSharp.torch;

const int Batch = 32, Size = 224, Threads = 2;
string modelPath = args.Length > 0 ? args[0] : DefaultModelPath();
int iterations = args.Length > 1 ? int.Parse(args[1]) : 5;
torch.set_num_threads(Threads);
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
