// Latency and throughput of TransferModel.Predict(path) on one shared model: p50/p99 per prediction and
// predictions/s at 1 and 8 threads, plus managed heap and working set before and after.
//
//   dotnet run -c Release --project bench/PredictorBench [-- --model kermany.tlmodel --per-thread 500 --threads 1,8]
//
// Without --model it trains a small feature-extraction model (MobileNetV2, 40 Kermany chest X-rays per class) from
// ../shared (or TL_SHARED_DIR). Images: the first --images (default 64) Kermany training images, cycled.
using System.Diagnostics;
using System.Globalization;
using TransferLearning.ML;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training.FeatureExtraction;

string shared = Environment.GetEnvironmentVariable("TL_SHARED_DIR") is { Length: > 0 } s ? s : FindShared();
int perThread = IntArg("--per-thread", 500), imageCount = IntArg("--images", 64);
int[] threadCounts = (Arg("--threads") ?? "1,8").Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
string kermany = Path.Combine(shared, "datasets", "kermany-cxr", "train");

TransferModel model;
if (Arg("--model") is { } modelPath)
{
    model = TransferModel.Load(modelPath);
    Console.WriteLine($"model: {modelPath}");
}
else
{
    string cache = Directory.CreateTempSubdirectory("tl-bench-").FullName;
    var clock = Stopwatch.StartNew();
    model = TransferLearner.For(Backbone.FromOnnx(Path.Combine(shared, "models", "mobilenetv2-imagenet.onnx")))
        .WithImages(ImageDataset.FromFolder(kermany, new ImageDatasetOptions { MaxImagesPerClass = 40 }))
        .Split(0.25, 0, 1).WithBootstrap(0)
        .ExtractFeatures(new FeatureExtractionOptions { Epochs = 10, CacheDirectory = cache })
        .Fit().Model;
    Directory.Delete(cache, recursive: true);
    Console.WriteLine($"model: trained (feature extraction, MobileNetV2, 80 images) in {clock.Elapsed.TotalSeconds:F1} s");
}

string[] images = Directory.GetFiles(Path.Combine(kermany, "NORMAL")).Order(StringComparer.Ordinal).Take(imageCount / 2)
    .Concat(Directory.GetFiles(Path.Combine(kermany, "PNEUMONIA")).Order(StringComparer.Ordinal).Take(imageCount - imageCount / 2))
    .ToArray();
Console.WriteLine($"images: {images.Length} kermany-cxr, cycled; {Environment.ProcessorCount} cores; {perThread} predictions per thread");

Measure(1, 20); // warm-up: session creation and first-run allocations
long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
long workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
foreach (int threads in threadCounts)
{
    var (latencies, wall) = Measure(threads, perThread);
    Array.Sort(latencies);
    Console.WriteLine(FormattableString.Invariant(
        $"threads {threads,2}: {latencies.Length} predictions, p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, {latencies.Length / wall.TotalSeconds:F1} predictions/s"));
}
long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
long workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
Console.WriteLine(FormattableString.Invariant(
    $"managed heap: {heapBefore / 1048576.0:F1} MiB -> {heapAfter / 1048576.0:F1} MiB; working set: {workingSetBefore / 1048576.0:F1} MiB -> {workingSetAfter / 1048576.0:F1} MiB"));
model.Dispose();
return 0;

(double[] LatenciesMs, TimeSpan Wall) Measure(int threads, int count)
{
    var latencies = new double[threads * count];
    var wall = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Predict(images[(t * 7 + i) % images.Length]);
            latencies[t * count + i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
    return (latencies, wall.Elapsed);
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int IntArg(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

static string FindShared()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    throw new InvalidOperationException("shared/ not found: set TL_SHARED_DIR.");
}
