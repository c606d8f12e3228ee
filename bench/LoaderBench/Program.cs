// Measures the image pipeline alone: decode + resize to 224×224 + normalise (+ augmentation), batched by
// ImageBatchLoader, in images per second, and the process's peak resident memory (VmHWM) during each measurement.
//
//   dotnet run --project bench/LoaderBench -c Release -- [dataset folder] [--workers N] [--cache-mb M] [--limit N]
//
// The default dataset is ../shared/datasets/kermany-cxr/train beside the checkout (or $TL_SHARED_DIR/datasets/...).
using System.Diagnostics;
using TransferLearning.ML.Data;

string? datasetArgument = null;
int workers = 2, cacheMegabytes = 1024, limit = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--workers": workers = int.Parse(args[++i]); break;
        case "--cache-mb": cacheMegabytes = int.Parse(args[++i]); break;
        case "--limit": limit = int.Parse(args[++i]); break;
        default: datasetArgument = args[i]; break;
    }
}
string root = datasetArgument ?? DefaultDataset();
var scan = Stopwatch.StartNew();
ImageDataset dataset = ImageDataset.FromFolder(root);
scan.Stop();
if (limit > 0) dataset = dataset.TakePerClass(limit / dataset.ClassNames.Count, seed: 0);
Console.WriteLine($"dataset   {root}: {dataset} (scanned in {scan.Elapsed.TotalMilliseconds:F0} ms)");
Console.WriteLine($"machine   {Environment.ProcessorCount} cores, {workers} workers, batch 32, 224×224 ImageNet normalisation");

var preprocessing = new ImagePreprocessing();
var plain = new BatchLoaderOptions { BatchSize = 32, Shuffle = true, WorkerCount = workers };
var cached = plain with { DecodedCacheBytes = (long)cacheMegabytes << 20 };

MeasureStages(dataset, preprocessing);
GC.Collect();
ResetPeakResident();
// uncached runs first: memory given back to the GC is not always returned to the system, so a cached run would
// inflate the peaks measured after it
Measure("decode + resize + normalise", plain, passes: 1);
Measure("Standard augmentation", plain with { Augmentation = Augmentations.Standard }, passes: 1);
Measure($"decode + resize + normalise, decoded cache {cacheMegabytes} MB, 2nd pass", cached, passes: 2);
Measure("Standard augmentation, cache, 2nd pass", cached with { Augmentation = Augmentations.Standard }, passes: 2);

void Measure(string name, BatchLoaderOptions options, int passes)
{
    MeasureLoader(name, options, passes);
    GC.Collect();
    GC.WaitForPendingFinalizers();
    ResetPeakResident();
}

void MeasureLoader(string name, BatchLoaderOptions options, int passes)
{
    using var loader = new ImageBatchLoader(dataset, preprocessing, options);
    double seconds = 0, cpuSeconds = 0;
    int images = 0;
    double checksum = 0;
    for (int epoch = 0; epoch < passes; epoch++)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        images = 0;
        foreach (ImageBatch batch in loader.ReadEpoch(epoch))
        {
            images += batch.Count;
            checksum += batch.Pixels.Span[0];
        }
        seconds = watch.Elapsed.TotalSeconds;
        cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
    }
    // images per CPU-second stays meaningful when other processes share the cores; wall-clock img/s does not
    Console.WriteLine($"{name,-56} {images / seconds,6:F0} img/s, {images / cpuSeconds,6:F0} img/CPU-s  ({images} images in {seconds:F2} s, " +
        $"cache {loader.CachedBytes >> 20} MB, peak RSS {PeakResidentMegabytes():F0} MB, checksum {checksum:F1})");
}

// "5" in clear_refs resets VmHWM (Linux ≥ 4.0), so each measurement reports its own peak
static void ResetPeakResident()
{
    try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}

// single-threaded cost of each stage (best of 5 rounds, as other processes share the cores), to see which one
// sets the pace
static void MeasureStages(ImageDataset dataset, ImagePreprocessing preprocessing)
{
    var decoder = new ImageDecoder();
    var image = new DecodedImage();
    var tensorizer = new Tensorizer(preprocessing);
    var output = new float[preprocessing.ValuesPerImage];
    int count = Math.Min(200, dataset.Count);
    double Best(Action<int> step)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) step(i);
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds / count);
        }
        return best;
    }
    double decode = Best(i => decoder.Decode(dataset.Samples[i].Source, image, preprocessing));
    double plain = Best(_ => tensorizer.Write(image, output));
    Console.WriteLine($"per image, 1 thread, best of 5: decode {decode:F2} ms ({image.Width}×{image.Height}×{image.Channels} JPEG), resize+normalise {plain:F2} ms");
    foreach ((string name, AugmentationPipeline pipeline) in new (string, AugmentationPipeline)[]
    {
        ("Standard", Augmentations.Standard),
        ("its geometric part", new AugmentationPipeline(Augmentations.Standard.Steps.OfType<IGeometricAugmentation>())),
        ("its photometric part", new AugmentationPipeline(Augmentations.Standard.Steps.OfType<IPhotometricAugmentation>())),
    })
        Console.WriteLine($"per image, 1 thread, best of 5: resize+normalise with {name} augmentation {Best(i => tensorizer.Write(image, output, pipeline, new AugmentationRandom(0, 0, i))):F2} ms");
}

static double PeakResidentMegabytes()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    return double.NaN;
}

static string DefaultDataset()
{
    string? shared = Environment.GetEnvironmentVariable("TL_SHARED_DIR");
    if (string.IsNullOrEmpty(shared))
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            {
                shared = Path.Combine(dir.FullName, "..", "shared");
                break;
            }
    return Path.GetFullPath(Path.Combine(shared ?? "../shared", "datasets", "kermany-cxr", "train"));
}
