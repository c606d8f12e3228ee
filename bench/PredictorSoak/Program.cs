// Native-growth soak of TransferModel.Predict(path) (issue #16): N threads share one model and make M predictions
// each on real Kermany chest X-rays; every --sample predictions (all threads together) the process's VmRSS (from
// /proc/self/status) and the managed heap (GC.GetTotalMemory after a full collection) are sampled. Prints the
// table and the RSS growth per prediction over the first and the second half of the run: a leak grows in both
// halves, a warm-up (allocator arenas, ORT caches) only in the first.
//
//   dotnet run -c Release --project bench/PredictorSoak [-- --model kermany.tlmodel --threads 8 --per-thread 20000 --sample 2000]
//
// Without --model it trains a small feature-extraction model (MobileNetV2, 40 Kermany images per class) from
// ../shared (or TL_SHARED_DIR), as PredictorBench does. Images: the first --images (default 64) training images, cycled.
using System.Diagnostics;
using System.Globalization;
using TransferLearning.ML;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training.FeatureExtraction;

string shared = Environment.GetEnvironmentVariable("TL_SHARED_DIR") is { Length: > 0 } s ? s : FindShared();
int threads = IntArg("--threads", 8), perThread = IntArg("--per-thread", 20_000), sampleEvery = IntArg("--sample", 2000);
int imageCount = IntArg("--images", 64);
string kermany = Path.Combine(shared, "datasets", "kermany-cxr", "train");

TransferModel model;
if (Arg("--model") is { } modelPath)
{
    model = TransferModel.Load(modelPath);
    Console.WriteLine($"model: {modelPath}");
}
else
{
    string cache = Directory.CreateTempSubdirectory("tl-soak-").FullName;
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
long total = (long)threads * perThread;
Console.WriteLine($"images: {images.Length} kermany-cxr, cycled; {Environment.ProcessorCount} cores; {threads} threads × {perThread} predictions = {total}; " +
                  $"MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "unset"}");

// warm-up on every thread (session creation, one workspace per thread), outside the measurement
RunThreads(threads, 5, null);
var samples = new List<(long Done, double Seconds, long Rss, long Heap)>();
var wall = Stopwatch.StartNew();
Sample(0);
long done = 0, nextSample = sampleEvery;
var gate = new object();
RunThreads(threads, perThread, () =>
{
    long n = Interlocked.Increment(ref done);
    if (n < nextSample) return;
    lock (gate)
    {
        // one thread samples while the others keep predicting (the collection pauses them briefly)
        if (n < nextSample) return;
        Sample(n);
        nextSample += sampleEvery;
    }
});
if (samples[^1].Done != done) Sample(done);

Console.WriteLine();
Console.WriteLine("| predictions | seconds | VmRSS MiB | managed heap MiB | RSS Δ since last, KB/prediction |");
Console.WriteLine("|---:|---:|---:|---:|---:|");
for (int i = 0; i < samples.Count; i++)
{
    var (n, sec, rss, heap) = samples[i];
    string delta = i == 0 ? "" : ((rss - samples[i - 1].Rss) / 1024.0 / Math.Max(1, n - samples[i - 1].Done)).ToString("F3", CultureInfo.InvariantCulture);
    Console.WriteLine(FormattableString.Invariant($"| {n} | {sec:F1} | {rss / 1048576.0:F1} | {heap / 1048576.0:F2} | {delta} |"));
}
var first = samples[0];
var middle = samples.MinBy(x => Math.Abs(x.Done - done / 2));
var last = samples[^1];
Console.WriteLine();
double firstHalf = (middle.Rss - first.Rss) / 1024.0 / Math.Max(1, middle.Done - first.Done);
double secondHalf = (last.Rss - middle.Rss) / 1024.0 / Math.Max(1, last.Done - middle.Done);
Console.WriteLine(FormattableString.Invariant(
    $"RSS growth per prediction: first half {firstHalf:F3} KB ({first.Done}..{middle.Done}), second half {secondHalf:F3} KB ({middle.Done}..{last.Done}); managed heap {first.Heap / 1048576.0:F2} -> {last.Heap / 1048576.0:F2} MiB; {done / wall.Elapsed.TotalSeconds:F1} predictions/s"));
model.Dispose();
return 0;

void Sample(long n)
{
    long heap = GC.GetTotalMemory(forceFullCollection: true);
    samples.Add((n, wall.Elapsed.TotalSeconds, VmRssBytes(), heap));
    Console.WriteLine(FormattableString.Invariant($"  {n,8} predictions, {wall.Elapsed.TotalSeconds,7:F1} s: VmRSS {samples[^1].Rss / 1048576.0:F1} MiB, heap {heap / 1048576.0:F2} MiB"));
}

void RunThreads(int count, int each, Action? afterPrediction)
{
    var workers = Enumerable.Range(0, count).Select(t => new Thread(() =>
    {
        for (int i = 0; i < each; i++)
        {
            model.Predict(images[(t * 7 + i) % images.Length]);
            afterPrediction?.Invoke();
        }
    })).ToList();
    workers.ForEach(w => w.Start());
    workers.ForEach(w => w.Join());
}

static long VmRssBytes()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
    return 0;
}

string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int IntArg(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

static string FindShared()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    throw new InvalidOperationException("shared/ not found: set TL_SHARED_DIR.");
}
