using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
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

        // The machine is shared: interleave the .NET peers round by round and keep each one's best round.
        // "Same work" = the same images through the same loader; the in-memory loop shows the loader's share.
        int rounds = settings.Quick ? 1 : 3;
        var train = ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = settings.MaxPerClass ?? (settings.Quick ? 32 : 256), Seed = 1 });
        using var loader = new ImageBatchLoader(train, backbone.Preprocessing, new BatchLoaderOptions
        {
            BatchSize = Batch, Shuffle = true, Seed = 1, WorkerCount = Environment.ProcessorCount, DecodedCacheBytes = 0,
        });
        double library = 0, cached = 0, allTorchSharp = 0, loop = 0, memoryLoop = 0;
        string libraryWhat = "", cachedWhat = "";
        var libraryRounds = new JsonArray();
        var allTorchSharpRounds = new JsonArray();
        var cachedRounds = new JsonArray();
        var loopRounds = new JsonArray();
        var memoryRounds = new JsonArray();
        for (int round = 0; round < rounds; round++)
        {
            double l = Library(settings, backbone, train, report, Engine.Split, out libraryWhat);
            double c = Library(settings, backbone, train, report, Engine.Cached, out cachedWhat);
            double a = Library(settings, backbone, train, report, Engine.AllTorchSharp, out _);
            double t = TorchSharpLoop(settings, backbone, loader);
            double m = TorchSharpLoop(settings, backbone, null);
            Console.WriteLine($"round {round + 1}/{rounds}: library {l:F1} img/s (split execution), cached {c:F1}, all in TorchSharp {a:F1}, " +
                              $"TorchSharp loop over the loader {t:F1}, on one in-memory batch {m:F1}");
            libraryRounds.Add(Math.Round(l, 2));
            allTorchSharpRounds.Add(Math.Round(a, 2));
            allTorchSharp = Math.Max(allTorchSharp, a);
            cachedRounds.Add(Math.Round(c, 2));
            cached = Math.Max(cached, c);
            loopRounds.Add(Math.Round(t, 2));
            memoryRounds.Add(Math.Round(m, 2));
            library = Math.Max(library, l);
            loop = Math.Max(loop, t);
            memoryLoop = Math.Max(memoryLoop, m);
        }
        report.Set("fineTune.library.roundImagesPerSecond", libraryRounds);
        report.Set("fineTune.libraryAllTorchSharp.roundImagesPerSecond", allTorchSharpRounds);
        report.Set("fineTune.libraryCached.roundImagesPerSecond", cachedRounds);
        report.Set("fineTune.torchSharpLoop.roundImagesPerSecond", loopRounds);
        report.Set("fineTune.torchSharpInMemoryLoop.roundImagesPerSecond", memoryRounds);
        JsonObject? pyTorch = PyTorch(settings, section);
        double pyTorchRate = pyTorch?["imagesPerSecond"]?.GetValue<double>() ?? double.NaN;

        report.Set("fineTune.libraryImagesPerSecond", library);
        report.Set("fineTune.torchSharpLoopImagesPerSecond", loop);
        report.Set("fineTune.pyTorchImagesPerSecond", pyTorchRate);
        report.Set("fineTune.libraryAllTorchSharpImagesPerSecond", allTorchSharp);
        report.Set("fineTune.libraryCachedImagesPerSecond", cached);
        report.Set("fineTune.libraryCachedToPyTorchRatio", cached / pyTorchRate);
        report.Set("fineTune.libraryToLibraryAllTorchSharpRatio", library / allTorchSharp);
        report.Set("fineTune.libraryAllTorchSharpToPyTorchRatio", allTorchSharp / pyTorchRate);
        report.Set("fineTune.libraryToTorchSharpLoopRatio", library / loop);
        report.Set("fineTune.libraryToPyTorchRatio", library / pyTorchRate);
        report.Set("fineTune.torchSharpLoopToPyTorchRatio", loop / pyTorchRate);
        report.Set("fineTune.torchSharpInMemoryLoopImagesPerSecond", memoryLoop);
        report.Set("fineTune.libraryToTorchSharpInMemoryLoopRatio", library / memoryLoop);
        if (pyTorch is not null) report.Set("fineTune.pyTorch", pyTorch.DeepClone());

        section.Row("library (split execution)", "FrozenBlocksInOnnxRuntime (default), FrozenOutputCacheBytes = 0: the frozen blocks in ONNX " +
                    "Runtime every epoch, the last 5 blocks and the head in TorchSharp. " + libraryWhat, library, 1.0);
        section.Row("library, prefix cache on", "the same Fit with the default FrozenOutputCacheBytes (the frozen blocks' output " +
                    "kept after the first fine-tune epoch; one more epoch, timed: the epochs after the first). " + cachedWhat, cached, cached / library);
        section.Row("library, all in TorchSharp", "the same Fit with FineTuneOptions.FrozenBlocksInOnnxRuntime = false (every block in " +
                    "TorchSharp, the frozen ones under no_grad), interleaved round by round", allTorchSharp, allTorchSharp / library);
        section.Row("TorchSharp loop", "the same images through the same ImageBatchLoader (decoded-image cache warm, no augmentation), " +
                    "tensor per batch, OnnxModule (same cut graph, FreezeAllButLastBlocks(5)) + ClassifierHead, AdamW, cross-entropy, " +
                    "hand-written loop (no metrics), best of 2 epochs", loop, loop / library);
        section.Row("TorchSharp loop, in memory", "the same loop on one in-memory random batch (no loader)", memoryLoop, memoryLoop / library);
        section.Row("PyTorch " + (pyTorch?["torchVersion"]?.GetValue<string>() ?? "(not run)"),
            "torchvision mobilenet_v2 (conv+BN fused as in the ONNX file), features[0:14] eval under no_grad, features[14:19] + dropout + " +
            "Linear trainable, AdamW, cross-entropy, one in-memory batch; MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736",
            pyTorchRate, pyTorchRate / library);
        if (pyTorch?["frozenForwardImagesPerSecond"] is { } forward)
            section.Note($"PyTorch frozen forward of the whole feature extractor (no_grad, eval): {forward.GetValue<double>():F1} img/s.");
        section.Note($"{settings.Threads} threads for every peer (torch.set_num_threads / WithThreads). The library's figure is the training pass of a real " +
                     "fine-tune epoch (TrainingResult.History[i].TrainImagesPerSecond), best epoch, so it includes the loader " +
                     "(default image cache, warm after the first epoch; no augmentation) and per-batch metrics; the two loops time optimisation steps alone. The PyTorch network has random weights (torchvision weights cannot be downloaded here): " +
                     "speed does not depend on them. \"Last 5 blocks\" is the library's block partition for the library and the " +
                     "TorchSharp loop, and torchvision's last 5 `features` entries for PyTorch.");
    }

    /// <summary>How the library's fine-tune runs: split execution without the prefix cache, with it, or all in TorchSharp.</summary>
    private enum Engine { Split, Cached, AllTorchSharp }

    private static double Library(BenchSettings settings, Backbone backbone, ImageDataset train, BenchReport report, Engine engine, out string what)
    {
        // the cached run needs a second fine-tune epoch: its first one computes and keeps the frozen blocks' output
        // two epochs even in quick mode: the first pays ONNX Runtime's and the allocator's warm-up
        int epochs = 2 + (engine == Engine.Cached ? 1 : 0);
        var result = TransferLearner.For(backbone)
            .WithSplits(train)
            .Augment(Augmentations.None)
            .WithThreads(settings.Threads)
            .WithBootstrap(0)
            .WithSeed(1)
            .FineTune(new FineTuneOptions
            {
                HeadEpochs = 1, Epochs = epochs, UnfreezeLastBlocks = UnfrozenBlocks, BatchSize = Batch,
                FrozenBlocksInOnnxRuntime = engine != Engine.AllTorchSharp,
                FrozenOutputCacheBytes = engine == Engine.Cached ? new FineTuneOptions().FrozenOutputCacheBytes : 0,
            })
            .Fit();
        using var model = result.Model;
        var finetune = result.History.Where(h => h.Phase == "finetune").ToArray();
        var timed = engine == Engine.Cached ? finetune.Skip(1).ToArray() : finetune;
        var rates = finetune.Select(h => h.TrainImagesPerSecond).ToArray();
        var epochRates = finetune.Select(h => h.TrainImages / h.Seconds).ToArray();
        double headRate = result.History.Where(h => h.Phase == "head").Select(h => h.TrainImagesPerSecond).DefaultIfEmpty(double.NaN).Max();
        string key = engine switch { Engine.Split => "fineTune.library.", Engine.Cached => "fineTune.libraryCached.", _ => "fineTune.libraryAllTorchSharp." };
        report.Set(key + "trainImages", finetune.FirstOrDefault()?.TrainImages ?? 0);
        report.Set(key + "finetuneTrainPassImagesPerSecond", new JsonArray(rates.Select(r => (JsonNode?)Math.Round(r, 2)).ToArray()));
        report.Set(key + "finetuneEpochWithValidationImagesPerSecond", new JsonArray(epochRates.Select(r => (JsonNode?)Math.Round(r, 2)).ToArray()));
        report.Set(key + "headOnlyFirstEpochImagesPerSecond", headRate);
        report.Set(key + "trainLossPerEpoch", new JsonArray(result.History.Select(h => (JsonNode?)(double.IsFinite(h.TrainLoss) ? Math.Round(h.TrainLoss, 6) : null)).ToArray()));
        what = $"TransferLearner.FineTune(UnfreezeLastBlocks 5, batch 32).Fit() on {finetune.FirstOrDefault()?.TrainImages} kermany-cxr training images " +
               $"(of {train.Count}; the rest validate): EpochMetrics.TrainImagesPerSecond (the training pass: loader, forward, backward, " +
               $"optimiser, per-batch metrics; validation excluded), best of {timed.Length} finetune epochs and {(settings.Quick ? 1 : 3)} rounds interleaved with the other peers; with validation " +
               $"{timed.Select(h => h.TrainImages / h.Seconds).DefaultIfEmpty(double.NaN).Max():F1} img/s; head-only first epoch, cache cold: {headRate:F1} img/s";
        return timed.Select(h => h.TrainImagesPerSecond).DefaultIfEmpty(double.NaN).Max();
    }

    /// <summary>A hand-written fine-tune loop: over <paramref name="loader"/>'s epochs, or on one in-memory batch when null.</summary>
    private static double TorchSharpLoop(BenchSettings settings, Backbone backbone, ImageBatchLoader? loader)
    {
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
            module.train();
            head.train();
            void Step(Tensor images, Tensor labels)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                Tensor logits = head.forward(module.forward(images));
                Tensor loss = nn.functional.cross_entropy(logits, labels);
                loss.backward();
                optimizer.step();
            }
            var rates = new List<double>();
            if (loader is null)
            {
                int repetitions = settings.Quick ? 2 : 3, steps = settings.Quick ? 2 : 6;
                using var images = randn(Batch, 3, 224, 224);
                using var labels = randint(0, 2, [Batch], dtype: ScalarType.Int64);
                Step(images, labels); // warm-up: allocator and kernel selection
                Step(images, labels);
                for (int r = 0; r < repetitions; r++)
                    rates.Add(steps * Batch / Timing.Seconds(() => { for (int s = 0; s < steps; s++) Step(images, labels); }));
                return rates.Max();
            }
            // epoch 0 fills the loader's cache (as the library's first epoch does), epochs 1-2 are timed
            for (int epoch = 0; epoch < 3; epoch++)
            {
                int seen = 0;
                double seconds = Timing.Seconds(() =>
                {
                    foreach (ImageBatch batch in loader.ReadEpoch(epoch))
                    {
                        using var scope = NewDisposeScope();
                        long capacity = batch.Buffer.Length / ((long)batch.Channels * batch.Height * batch.Width);
                        Tensor images = tensor(batch.Buffer, [capacity, batch.Channels, batch.Height, batch.Width]).narrow(0, 0, batch.Count);
                        Tensor labels = tensor(batch.Labels, [batch.Labels.Length], ScalarType.Int64).narrow(0, 0, batch.Count);
                        Step(images, labels);
                        seen += batch.Count;
                    }
                });
                if (epoch > 0) rates.Add(seen / seconds);
            }
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
