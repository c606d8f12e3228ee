using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using TorchSharp;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Heads;
using static TorchSharp.torch;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 2: fine-tuning speed (MobileNetV2, last 5 blocks + new head trainable, AdamW, batch 32, 224×224) —
/// the library's <see cref="TransferLearner.Fit"/> (loader included), a hand-written TorchSharp loop around the
/// library's public <see cref="OnnxModule"/> on in-memory tensors, and PyTorch/torchvision on in-memory tensors.
/// </summary>
internal static class FineTuneSection
{
    private const int Batch = 32;
    private const int UnfrozenBlocks = 5;

    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("2. Fine-tune step (images/s), MobileNetV2, last 5 blocks + head, AdamW, batch 32, 224×224",
            "peer", "what is timed", "img/s", "vs library");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));

        double library = Library(settings, backbone, report, out string libraryWhat);
        double loop = TorchSharpLoop(settings, backbone, report);
        JsonObject? pyTorch = PyTorch(settings, section);
        double pyTorchRate = pyTorch?["imagesPerSecond"]?.GetValue<double>() ?? double.NaN;

        report.Set("fineTune.libraryImagesPerSecond", library);
        report.Set("fineTune.torchSharpLoopImagesPerSecond", loop);
        report.Set("fineTune.pyTorchImagesPerSecond", pyTorchRate);
        report.Set("fineTune.libraryToTorchSharpLoopRatio", library / loop);
        report.Set("fineTune.libraryToPyTorchRatio", library / pyTorchRate);
        report.Set("fineTune.torchSharpLoopToPyTorchRatio", loop / pyTorchRate);
        if (pyTorch is not null) report.Set("fineTune.pyTorch", pyTorch.DeepClone());

        section.Row("library", libraryWhat, library, 1.0);
        section.Row("TorchSharp loop", "OnnxModule (same cut graph, FreezeAllButLastBlocks(5)) + ClassifierHead, AdamW, cross-entropy, " +
                    "hand-written loop on one in-memory batch (no loader, no augmentation, no metrics)", loop, loop / library);
        section.Row("PyTorch " + (pyTorch?["torchVersion"]?.GetValue<string>() ?? "(not run)"),
            "torchvision mobilenet_v2 (conv+BN fused as in the ONNX file), features[0:14] eval under no_grad, features[14:19] + dropout + " +
            "Linear trainable, AdamW, cross-entropy, one in-memory batch; MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736",
            pyTorchRate, pyTorchRate / library);
        if (pyTorch?["frozenForwardImagesPerSecond"] is { } forward)
            section.Note($"PyTorch frozen forward of the whole feature extractor (no_grad, eval): {forward.GetValue<double>():F1} img/s.");
        section.Note($"{settings.Threads} threads for every peer (torch.set_num_threads / WithThreads). The library's figure is a real " +
                     "fine-tune epoch: images/s = training images / finetune-phase epoch seconds (TrainingResult.History), best epoch, " +
                     "so it includes the loader (decoded-image cache warm, no augmentation) and per-batch metrics; the two loops time " +
                     "optimisation steps alone. The PyTorch network has random weights (torchvision weights cannot be downloaded here): " +
                     "speed does not depend on them. \"Last 5 blocks\" is the library's block partition for the library and the " +
                     "TorchSharp loop, and torchvision's last 5 `features` entries for PyTorch.");
    }

    private static double Library(BenchSettings settings, Backbone backbone, BenchReport report, out string what)
    {
        int perClass = settings.Quick ? 32 : 128;
        int epochs = settings.Quick ? 2 : 3;
        var train = ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"), new ImageDatasetOptions { MaxImagesPerClass = perClass, Seed = 1 });
        var result = TransferLearner.For(backbone)
            .WithSplits(train)
            .Augment(Augmentations.None)
            .WithThreads(settings.Threads)
            .WithLoader(decodedCacheBytes: 1L << 30)
            .WithBootstrap(0)
            .WithSeed(1)
            .FineTune(new FineTuneOptions { HeadEpochs = 1, Epochs = epochs, UnfreezeLastBlocks = UnfrozenBlocks, BatchSize = Batch })
            .Fit();
        using var model = result.Model;
        var rates = result.History.Where(h => h.Phase == "finetune").Select(h => train.Count / h.Seconds).ToArray();
        double headRate = result.History.Where(h => h.Phase == "head").Select(h => train.Count / h.Seconds).DefaultIfEmpty(double.NaN).Max();
        report.Set("fineTune.library.trainImages", train.Count);
        report.Set("fineTune.library.finetuneEpochImagesPerSecond", new JsonArray(rates.Select(r => (JsonNode?)Math.Round(r, 2)).ToArray()));
        report.Set("fineTune.library.headOnlyFirstEpochImagesPerSecond", headRate);
        what = $"TransferLearner.FineTune(UnfreezeLastBlocks 5, batch 32).Fit() on {train.Count} kermany-cxr images, best of {rates.Length} " +
               $"finetune epochs (head-only first epoch, cache cold: {headRate:F1} img/s)";
        return rates.Max();
    }

    private static double TorchSharpLoop(BenchSettings settings, Backbone backbone, BenchReport report)
    {
        int repetitions = settings.Quick ? 3 : 5, steps = settings.Quick ? 2 : 6;
        int previousThreads = get_num_threads();
        set_num_threads(settings.Threads);
        try
        {
            using var module = OnnxModule.FromBytes(backbone.FeatureGraph.ToBytes());
            module.FreezeAllButLastBlocks(UnfrozenBlocks);
            using var head = new ClassifierHead(backbone.Features.Shape, classes: 2, new HeadOptions(), seed: 1);
            var trainable = module.parameters().Where(p => p.requires_grad).Concat(head.parameters()).ToList();
            using var optimizer = optim.AdamW(trainable, lr: 1e-3, weight_decay: 0.01);
            manual_seed(1);
            using var images = randn(Batch, 3, 224, 224);
            using var labels = randint(0, 2, [Batch], dtype: ScalarType.Int64);
            module.train();
            head.train();
            void Step()
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                Tensor logits = head.forward(module.forward(images));
                Tensor loss = nn.functional.cross_entropy(logits, labels);
                loss.backward();
                optimizer.step();
            }
            Step(); // warm-up: allocator and kernel selection
            Step();
            var rates = new List<double>();
            for (int r = 0; r < repetitions; r++)
                rates.Add(steps * Batch / Timing.Seconds(() => { for (int s = 0; s < steps; s++) Step(); }));
            report.Set("fineTune.torchSharpLoop.repetitionImagesPerSecond", new JsonArray(rates.Select(x => (JsonNode?)Math.Round(x, 2)).ToArray()));
            report.Set("fineTune.torchSharpLoop.trainableParameters", trainable.Sum(p => p.numel()));
            return rates.Max();
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }

    private static JsonObject? PyTorch(BenchSettings settings, BenchReport.Section section)
    {
        if (settings.PyTorchScript is null || !File.Exists(settings.PyTorchScript))
        {
            section.Note("PyTorch not run: pass --pytorch-script bench/pytorch/finetune_step.py (bench/run.sh does).");
            return null;
        }
        var start = new ProcessStartInfo(settings.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { settings.PyTorchScript, "--batch", Batch.ToString(CultureInfo.InvariantCulture),
                     "--threads", settings.Threads.ToString(CultureInfo.InvariantCulture), "--unfreeze", UnfrozenBlocks.ToString(CultureInfo.InvariantCulture),
                     "--repetitions", settings.Quick ? "3" : "5", "--steps", settings.Quick ? "2" : "6" })
            start.ArgumentList.Add(a);
        // glibc's allocator churn slows PyTorch ~7× here (design/ARCHITECTURE.md): benchmark every peer at its best
        start.Environment["MALLOC_MMAP_MAX_"] = "0";
        start.Environment["MALLOC_TRIM_THRESHOLD_"] = "68719476736";
        try
        {
            using var process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Console.Write(output);
            string? last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
            if (process.ExitCode != 0 || last is null)
            {
                section.Note($"PyTorch run failed (exit {process.ExitCode}): {error.Result.Trim().Split('\n').LastOrDefault()}");
                return null;
            }
            return JsonNode.Parse(last)!.AsObject();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            section.Note($"PyTorch not run: cannot start {settings.Python}: {e.Message}");
            return null;
        }
    }
}
