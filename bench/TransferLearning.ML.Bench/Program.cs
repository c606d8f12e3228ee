// One command for speed, memory and accuracy against the peers; see docs/benchmarks.md and bench/run.sh.
//
//   dotnet run -c Release --project bench/TransferLearning.ML.Bench -- [--quick] [--test-root DIR] [--datasets a,b]
//       [--out bench] [--sections features,finetune,cache,loader,predict,accuracy,heads,ensemble,levers] [--pytorch-script FILE]
//       [--max-per-class N] [--feature-cache DIR] [--folds N] [--levers a,b]
//
// Writes <out>/results.md and results.json (results-quick.* with --quick), rewritten after every section.
using TransferLearning.ML.Bench;
using TransferLearning.ML.Models;
using TransferLearning.ML.Runtime;

var settings = BenchSettings.Parse(args);
NativeAllocator.EnsureApplied(); // before any tensor exists, so the hand-written TorchSharp loop gets it too
if (settings.MemoryChild is not null) return LoaderMemorySection.RunAsChild(settings);

var report = new BenchReport(settings, Machine());
Console.WriteLine($"TransferLearning.ML bench, {(settings.Quick ? "quick" : "full")} mode, {Machine()}, load average {BenchReport.LoadAverage()}");
TransferModel? model = null;
void Section(string name, Action run)
{
    if (!settings.Sections.Contains(name)) return;
    var started = DateTime.UtcNow;
    Console.WriteLine($"== {name} ({started:HH:mm:ss} UTC, load average {BenchReport.LoadAverage()})");
    try
    {
        run();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        report.AddSection($"{name}: failed").Note($"{e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine(e);
    }
    report.Set($"sectionSeconds.{name}", (DateTime.UtcNow - started).TotalSeconds);
    report.Write();
}

Section("features", () => FeatureExtractionSection.Run(settings, report));
Section("finetune", () => FineTuneSection.Run(settings, report));
Section("cache", () => model = FeatureCacheSection.Run(settings, report));
Section("predict", () =>
{
    model ??= FeatureCacheSection.Run(settings, report);
    PredictorSection.Run(settings, report, model);
});
// the whole-set fine-tune epoch of the memory measurement is long: after the quick sections
Section("loader", () => LoaderMemorySection.Run(settings, report));
Section("accuracy", () => AccuracySection.Run(settings, report));
Section("heads", () => FeatureHeadSection.Run(settings, report));
Section("ensemble", () => EnsembleSection.Run(settings, report));
Section("levers", () => LeverSection.Run(settings, report));
model?.Dispose();
report.Write(complete: true);
Console.WriteLine($"results written to {Path.GetFullPath(settings.OutputDirectory)}");
return 0;

static string Machine()
{
    string cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";
    long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 30;
    return $"{cpu}, {Environment.ProcessorCount} cores, {memory} GiB";
}
