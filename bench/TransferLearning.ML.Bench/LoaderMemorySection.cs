using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 4: the loader's throughput on kermany-cxr/train with the fine-tune settings, and the peak resident
/// memory of a fine-tune run, measured in a child process so that earlier sections do not inflate it.
/// </summary>
internal static class LoaderMemorySection
{
    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("4. Loader throughput and fine-tune peak memory (kermany-cxr/train)",
            "measurement", "images", "seconds", "img/s", "peak RSS MB");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        var dataset = Subset(settings);
        var options = new BatchLoaderOptions { BatchSize = 32, Shuffle = true, WorkerCount = settings.Threads, Augmentation = Augmentations.Standard };
        using (var loader = new ImageBatchLoader(dataset, backbone.Preprocessing, options))
        {
            int images = 0;
            double seconds = Timing.Seconds(() => { foreach (ImageBatch batch in loader.ReadEpoch(0)) images += batch.Count; });
            section.Row($"ImageBatchLoader alone: decode + resize 224 + Standard augmentation + normalise, {settings.Threads} workers, batch 32",
                images, seconds, images / seconds, null);
            report.Set("loader.imagesPerSecond", images / seconds);
            report.Set("loader.images", images);
        }

        JsonObject? child = RunChild(settings, section);
        if (child is null) return;
        double peak = child["peakResidentMegabytes"]!.GetValue<double>();
        int trainImages = child["trainImages"]!.GetValue<int>();
        double epochSeconds = child["epochSeconds"]!.GetValue<double>();
        section.Row($"fine-tune, {settings.MemoryEpochs} epoch(s) (last 5 blocks, batch 32, Standard augmentation, decoded-image cache {settings.DecodedCacheBytes ?? 0} B), separate process: train images / seconds of all epochs; peak = VmHWM",
            trainImages, epochSeconds, trainImages * settings.MemoryEpochs / epochSeconds, peak);
        report.Set("memory.fineTunePeakResidentMegabytes", peak);
        report.Set("memory.fineTuneTrainImages", trainImages);
        report.Set("memory.fineTuneEpochSeconds", epochSeconds);
        report.Set("loader.fineTuneEpochImagesPerSecond", trainImages * settings.MemoryEpochs / epochSeconds);
        section.Note("The fine-tune epoch's rate includes validation of the 15 % split; the loader must outrun it for training not to wait on it.");
    }

    private static ImageDataset Subset(BenchSettings settings) =>
        ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = settings.Quick ? 48 : null, Seed = 3 });

    /// <summary>The child: one fine-tune epoch, then its VmHWM as one JSON line.</summary>
    public static int RunAsChild(BenchSettings settings)
    {
        var dataset = Subset(settings);
        var result = TransferLearner.For(Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx")))
            .WithImages(dataset)
            .Split(validation: 0.15, test: 0, seed: 1)
            .WithThreads(settings.Threads)
            .WithBootstrap(0)
            .WithLoader(settings.DecodedCacheBytes is long cache ? new ImageLoadingOptions { DecodedCacheBytes = cache } : new ImageLoadingOptions())
            .FineTune(new FineTuneOptions { HeadEpochs = 0, Epochs = settings.MemoryEpochs })
            .Fit();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            peakResidentMegabytes = Timing.PeakResidentMegabytes(),
            trainImages = result.Splits.Train.Count,
            epochSeconds = result.History.Sum(h => h.Seconds),
        }));
        result.Model.Dispose();
        return 0;
    }

    private static JsonObject? RunChild(BenchSettings settings, BenchReport.Section section)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string a in new[] { "--memory-child", "kermany-cxr", "--shared", settings.Shared, "--threads", settings.Threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        if (settings.Quick) start.ArgumentList.Add("--quick");
        start.ArgumentList.Add("--memory-epochs");
        start.ArgumentList.Add(settings.MemoryEpochs.ToString(CultureInfo.InvariantCulture));
        if (settings.DecodedCacheBytes is long bytes)
        {
            start.ArgumentList.Add("--decoded-cache-bytes");
            start.ArgumentList.Add(bytes.ToString(CultureInfo.InvariantCulture));
        }
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || last is null)
        {
            section.Note($"the fine-tune memory child failed (exit {process.ExitCode}); see its output above.");
            Console.Write(output);
            return null;
        }
        return JsonNode.Parse(last)!.AsObject();
    }
}
