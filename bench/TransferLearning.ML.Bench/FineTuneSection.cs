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
        if (settings.FineTuneBackbones.Contains("mobilenetv2")) MobileNet(settings, report);
        OtherBackbones(settings, report);
    }

    private static void MobileNet(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("2. Fine-tune step (images/s), MobileNetV2, last 5 blocks + head, AdamW, batch 32, 224×224",
            "peer", "what is timed", "img/s", "vs library");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));

        // The machine is shared: interleave the .NET peers round by round and keep each one's best round.
        // "Same work" = the same images through the same loader; the in-memory loop shows the loader's share.
        int rounds = settings.FineTuneRounds ?? (settings.Quick ? 1 : 3);
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
        var pipelinedRounds = new JsonArray();
        var pipelineRatios = new JsonArray();
        double pipelined = 0;
        var sweep = new Dictionary<Engine, List<double>>();
        // PyTorch over the same images (a list of their paths and labels), through torchvision's transforms and a
        // DataLoader with as many worker processes as the library's loader has threads, once per round
        string imageList = Path.Combine(Path.GetTempPath(), $"tl-bench-finetune-images-{Environment.ProcessId}.tsv");
        File.WriteAllLines(imageList, train.Samples.Select(sample => $"{sample.Source.Path}\t{sample.Label}"));
        double pyTorchOverImages = double.NaN;
        JsonObject? pyTorchOverImagesResult = null;
        var pyTorchRounds = new JsonArray();
        try
        {
            for (int round = 0; round < rounds; round++)
            {
                double l = Library(settings, backbone, train, report, Engine.Split, out libraryWhat);
                double u = Library(settings, backbone, train, report, Engine.SplitPipelined, out _);
                pipelinedRounds.Add(Math.Round(u, 2));
                pipelineRatios.Add(Math.Round(u / l, 4));
                pipelined = Math.Max(pipelined, u);
                // --pipeline-sweep: other (libtorch, ONNX Runtime) threads of the split epochs; the default pipelined run divides --threads
                foreach (Engine variant in settings.PipelineSweep ? [Engine.Pipelined22, Engine.Pipelined12, Engine.Unpipelined11] : Array.Empty<Engine>())
                {
                    double v = Library(settings, backbone, train, report, variant, out _);
                    Console.WriteLine($"round {round + 1}/{rounds}: {variant} {v:F1} img/s");
                    if (!sweep.TryGetValue(variant, out var list)) sweep[variant] = list = [];
                    list.Add(v);
                }
                double c = Library(settings, backbone, train, report, Engine.Cached, out cachedWhat);
                double a = Library(settings, backbone, train, report, Engine.AllTorchSharp, out _);
                double t = TorchSharpLoop(settings, backbone, loader);
                double m = TorchSharpLoop(settings, backbone, null);
                JsonObject? p = PyTorch(settings, section, "mobilenet_v2", UnfrozenBlocks, 0, 0, imageList);
                double pr = p?["imagesPerSecond"]?.GetValue<double>() ?? double.NaN;
                pyTorchRounds.Add(double.IsNaN(pr) ? null : Math.Round(pr, 2));
                if (!(pr <= pyTorchOverImages)) (pyTorchOverImages, pyTorchOverImagesResult) = (pr, p);
                Console.WriteLine($"round {round + 1}/{rounds}: library {l:F1} img/s (split execution), pipelined {u:F1}, cached {c:F1}, all in TorchSharp {a:F1}, " +
                                  $"TorchSharp loop over the loader {t:F1}, on one in-memory batch {m:F1}, PyTorch over the images {pr:F1}");
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
            report.Set("fineTune.libraryPipelined.roundImagesPerSecond", pipelinedRounds);
            report.Set("fineTune.libraryPipelinedToLibrarySameRoundRatios", pipelineRatios);
            foreach (var (variant, list) in sweep)
            {
                report.Set($"fineTune.library{variant}.roundImagesPerSecond", new JsonArray(list.Select(v => (JsonNode?)Math.Round(v, 2)).ToArray()));
                report.Set($"fineTune.library{variant}ImagesPerSecond", list.Max());
            }
            report.Set("fineTune.libraryAllTorchSharp.roundImagesPerSecond", allTorchSharpRounds);
            report.Set("fineTune.libraryCached.roundImagesPerSecond", cachedRounds);
            report.Set("fineTune.torchSharpLoop.roundImagesPerSecond", loopRounds);
            report.Set("fineTune.torchSharpInMemoryLoop.roundImagesPerSecond", memoryRounds);
        }
        finally
        {
            File.Delete(imageList);
        }
        // the same PyTorch step on one in-memory batch, after the rounds (the figure of the bench before 2026-12-02's
        // evening, kept: it leaves the loader out of PyTorch's time only)
        JsonObject? pyTorchInMemory = PyTorch(settings, section);
        double pyTorchInMemoryRate = pyTorchInMemory?["imagesPerSecond"]?.GetValue<double>() ?? double.NaN;
        JsonObject? pyTorch = pyTorchOverImagesResult;
        double pyTorchRate = pyTorchOverImages;

        report.Set("fineTune.libraryImagesPerSecond", library);
        report.Set("fineTune.torchSharpLoopImagesPerSecond", loop);
        report.Set("fineTune.pyTorchImagesPerSecond", pyTorchRate);
        report.Set("fineTune.libraryAllTorchSharpImagesPerSecond", allTorchSharp);
        report.Set("fineTune.libraryCachedImagesPerSecond", cached);
        report.Set("fineTune.libraryPipelinedImagesPerSecond", pipelined);
        report.Set("fineTune.libraryPipelinedToLibraryRatio", pipelined / library);
        report.Set("fineTune.libraryPipelinedToPyTorchRatio", pipelined / pyTorchRate);
        report.Set("fineTune.libraryCachedToPyTorchRatio", cached / pyTorchRate);
        report.Set("fineTune.libraryToLibraryAllTorchSharpRatio", library / allTorchSharp);
        report.Set("fineTune.libraryAllTorchSharpToPyTorchRatio", allTorchSharp / pyTorchRate);
        report.Set("fineTune.libraryToTorchSharpLoopRatio", library / loop);
        report.Set("fineTune.libraryToPyTorchRatio", library / pyTorchRate);
        report.Set("fineTune.pyTorchInMemoryImagesPerSecond", pyTorchInMemoryRate);
        report.Set("fineTune.libraryToPyTorchInMemoryRatio", library / pyTorchInMemoryRate);
        report.Set("fineTune.libraryCachedToPyTorchInMemoryRatio", cached / pyTorchInMemoryRate);
        report.Set("fineTune.torchSharpLoopToPyTorchRatio", loop / pyTorchRate);
        report.Set("fineTune.torchSharpInMemoryLoopImagesPerSecond", memoryLoop);
        report.Set("fineTune.libraryToTorchSharpInMemoryLoopRatio", library / memoryLoop);
        if (pyTorch is not null) report.Set("fineTune.pyTorch", pyTorch.DeepClone());
        report.Set("fineTune.pyTorch.roundImagesPerSecond", pyTorchRounds);
        if (pyTorchInMemory is not null) report.Set("fineTune.pyTorchInMemory", pyTorchInMemory.DeepClone());

        section.Row("library (split execution)", "FrozenBlocksInOnnxRuntime (default), FrozenOutputCacheBytes = 0: the frozen blocks in ONNX " +
                    "Runtime every epoch, the last 5 blocks and the head in TorchSharp. " + libraryWhat, library, 1.0);
        section.Row("library, split, pipelined", "the same Fit with FineTuneOptions.PipelineFrozenBlocks = true (the frozen blocks " +
                    "of the next batch on their own thread while this one trains, libtorch and ONNX Runtime 1 thread each), interleaved round by round; pipelined / not, same round: " +
                    string.Join(", ", pipelineRatios.Select(r => r!.GetValue<double>().ToString("F3", CultureInfo.InvariantCulture))), pipelined, pipelined / library);
        foreach (var (variant, list) in sweep)
            section.Row($"library, split, {variant}", variant switch
            {
                Engine.Pipelined22 => "pipelined with (libtorch, ONNX Runtime) threads (2, 2)",
                Engine.Pipelined21 => "pipelined with (libtorch, ONNX Runtime) threads (2, 1)",
                Engine.Pipelined12 => "pipelined with (libtorch, ONNX Runtime) threads (1, 2)",
                _ => "not pipelined, (libtorch, ONNX Runtime) threads (1, 1)",
            } + " (--pipeline-sweep; the pipelined row divides --threads between the two, 2 → (1, 1); the default, unpipelined, gives both all of them in turn); rounds " + string.Join(", ", list.Select(v => v.ToString("F1", CultureInfo.InvariantCulture))),
                list.Max(), list.Max() / library);
        section.Row("library, prefix cache on", "the same Fit with the default FrozenOutputCacheBytes (the frozen blocks' output " +
                    "kept after the first fine-tune epoch; one more epoch, timed: the epochs after the first). " + cachedWhat, cached, cached / library);
        section.Row("library, all in TorchSharp", "the same Fit with FineTuneOptions.FrozenBlocksInOnnxRuntime = false (every block in " +
                    "TorchSharp, the frozen ones under no_grad), interleaved round by round", allTorchSharp, allTorchSharp / library);
        section.Row("TorchSharp loop", "the same images through the same ImageBatchLoader (no decoded-image cache, no augmentation), " +
                    "tensor per batch, OnnxModule (same cut graph, FreezeAllButLastBlocks(5)) + ClassifierHead, AdamW, cross-entropy, " +
                    "hand-written loop (no metrics), best of 2 epochs", loop, loop / library);
        section.Row("TorchSharp loop, in memory", "the same loop on one in-memory random batch (no loader)", memoryLoop, memoryLoop / library);
        section.Row("PyTorch " + (pyTorch?["torchVersion"]?.GetValue<string>() ?? "(not run)"),
            "torchvision mobilenet_v2 (conv+BN fused as in the ONNX file), features[0:14] eval under no_grad, features[14:19] + dropout + " +
            $"Linear trainable, AdamW, cross-entropy, over the same {train.Count} images: PIL decode, torchvision Resize(224, 224) + ToTensor + " +
            $"ImageNet Normalize, DataLoader (batch 32, shuffled, {settings.Threads} worker processes); the training pass of an epoch, loader " +
            "included, best of 2 epochs after a warm-up one, once per round (interleaved); MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736; rounds " +
            string.Join(", ", pyTorchRounds.Select(r => r?.GetValue<double>().ToString("F1", CultureInfo.InvariantCulture) ?? "failed")),
            pyTorchRate, pyTorchRate / library);
        section.Row("PyTorch, one in-memory batch", "the same step on one random in-memory batch (no loader), best of 5 repetitions of 6 steps, after the rounds",
            pyTorchInMemoryRate, pyTorchInMemoryRate / library);
        if (pyTorchInMemory?["frozenForwardImagesPerSecond"] is { } forward)
            section.Note($"PyTorch frozen forward of the whole feature extractor (no_grad, eval): {forward.GetValue<double>():F1} img/s.");
        section.Note($"{settings.Threads} threads for every peer (torch.set_num_threads / WithThreads). The library's figure is the training pass of a real " +
                     "fine-tune epoch (TrainingResult.History[i].TrainImagesPerSecond), best epoch, so it includes the loader " +
                     "(no decoded-image cache: every epoch decodes; no augmentation) and per-batch metrics, as PyTorch's row over the same images includes its DataLoader; " +
                     "the in-memory rows time optimisation steps alone. The PyTorch network has random weights (torchvision weights cannot be downloaded here): " +
                     "speed does not depend on them. \"Last 5 blocks\" is the library's block partition for the library and the " +
                     "TorchSharp loop, and torchvision's last 5 `features` entries for PyTorch.");
        report.Write();
    }

    /// <summary>
    /// Section 2b: the split library path against the all-TorchSharp one on two other backbones — the real
    /// pretrained ResNet18 of the catalog (CNTK export, batch norm not folded; the bench references its NuGet
    /// package, whose file lands in the output folder) and the VGG16-shaped architecture graph with seeded weights —
    /// interleaved round by round, then PyTorch/torchvision on the same architecture with random weights.
    /// </summary>
    private static void OtherBackbones(BenchSettings settings, BenchReport report)
    {
        const int unfreeze = 2;
        // VGG16 at 224×224 costs ~15.5 GMAC per image forward: few images and one round even in full mode
        var cases = new (string Key, string Arch, Func<Backbone> Load, int PerClass, int Rounds, int Repetitions, int Steps)[]
        {
            ("resnet18", "resnet18", () => Backbone.FromCatalog("resnet18"), settings.Quick ? 16 : 128, settings.Quick ? 1 : 2,
                settings.Quick ? 2 : 3, settings.Quick ? 2 : 4),
            ("vgg16", "vgg16", () => Backbone.FromArchitecture(settings.Model("architectures", "vgg16.onnx"), seed: 1), 24, 1, 2, 1),
        };
        if (!cases.Any(c => settings.FineTuneBackbones.Contains(c.Key))) return;
        var section = report.AddSection("2b. Fine-tune step (images/s), ResNet18 and VGG16, last 2 blocks + head, AdamW, batch 32, 224×224",
            "backbone", "peer", "what is timed", "img/s", "vs split");
        if (settings.Quick) section.Note("vgg16 not run in quick mode (about 5 img/s here: minutes per peer).");
        foreach (var c in cases.Where(c => settings.FineTuneBackbones.Contains(c.Key) && (!settings.Quick || c.Key != "vgg16")))
        {
            Backbone backbone;
            try
            {
                backbone = c.Load();
            }
            catch (Exception e) when (e is BackboneUnavailableException or IOException)
            {
                section.Note($"{c.Key} not run: {e.Message}");
                continue;
            }
            var train = ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"),
                new ImageDatasetOptions { MaxImagesPerClass = c.PerClass, Seed = 1 });
            string prefix = $"fineTune.{c.Key}.";
            using (var module = OnnxModule.FromBytes(backbone.FeatureGraph.ToBytes()))
            {
                var blocks = module.Blocks;
                report.Set(prefix + "blocks", blocks.Count);
                section.Note($"{c.Key}: {blocks.Count} blocks up to the feature tensor (operators per block: " +
                             $"{string.Join(", ", blocks.Select(b => b.NodeNames.Count))}); the trainable ones start after " +
                             $"'{blocks[blocks.Count - unfreeze - 1].OutputName}' (the boundary tensor of the split).");
            }
            double split = 0, torchOnly = 0;
            string splitWhat = "";
            var splitRounds = new JsonArray();
            var torchRounds = new JsonArray();
            var pipelinedRounds = new JsonArray();
            double pipelined = 0;
            for (int round = 0; round < c.Rounds; round++)
            {
                double l = Library(settings, backbone, train, report, Engine.Split, prefix, unfreeze, c.Key, out splitWhat);
                double u = Library(settings, backbone, train, report, Engine.SplitPipelined, prefix, unfreeze, c.Key, out _);
                double a = Library(settings, backbone, train, report, Engine.AllTorchSharp, prefix, unfreeze, c.Key, out _);
                Console.WriteLine($"{c.Key} round {round + 1}/{c.Rounds}: library split {l:F1} img/s, pipelined {u:F1}, all in TorchSharp {a:F1}");
                pipelinedRounds.Add(Math.Round(u, 2));
                pipelined = Math.Max(pipelined, u);
                splitRounds.Add(Math.Round(l, 2));
                torchRounds.Add(Math.Round(a, 2));
                split = Math.Max(split, l);
                torchOnly = Math.Max(torchOnly, a);
            }
            JsonObject? pyTorch = PyTorch(settings, section, c.Arch, unfreeze, c.Repetitions, c.Steps);
            double pyTorchRate = pyTorch?["imagesPerSecond"]?.GetValue<double>() ?? double.NaN;
            report.Set(prefix + "library.roundImagesPerSecond", splitRounds);
            report.Set(prefix + "libraryAllTorchSharp.roundImagesPerSecond", torchRounds);
            report.Set(prefix + "libraryImagesPerSecond", split);
            report.Set(prefix + "libraryAllTorchSharpImagesPerSecond", torchOnly);
            report.Set(prefix + "libraryPipelined.roundImagesPerSecond", pipelinedRounds);
            report.Set(prefix + "libraryPipelinedImagesPerSecond", pipelined);
            report.Set(prefix + "libraryPipelinedToLibraryRatio", pipelined / split);
            report.Set(prefix + "pyTorchImagesPerSecond", pyTorchRate);
            report.Set(prefix + "libraryToLibraryAllTorchSharpRatio", split / torchOnly);
            report.Set(prefix + "libraryToPyTorchRatio", split / pyTorchRate);
            report.Set(prefix + "libraryAllTorchSharpToPyTorchRatio", torchOnly / pyTorchRate);
            if (pyTorch is not null) report.Set(prefix + "pyTorch", pyTorch.DeepClone());
            section.Row(c.Key, "library (split execution)", "defaults, FrozenOutputCacheBytes = 0, no augmentation. " + splitWhat, split, 1.0);
            section.Row(c.Key, "library, split, pipelined", "the same Fit with PipelineFrozenBlocks = true, interleaved round by round",
                pipelined, pipelined / split);
            section.Row(c.Key, "library, all in TorchSharp", "the same Fit with FrozenBlocksInOnnxRuntime = false, interleaved round by round",
                torchOnly, torchOnly / split);
            section.Row(c.Key, "PyTorch " + (pyTorch?["torchVersion"]?.GetValue<string>() ?? "(not run)"),
                $"torchvision {c.Arch}, random weights, last {unfreeze} blocks + global pool + dropout + Linear trainable, AdamW, one in-memory batch, " +
                $"best of {c.Repetitions} repetitions of {c.Steps} steps, after the library rounds", pyTorchRate, pyTorchRate / split);
            report.Write();
        }
        section.Note("ResNet18: the catalog's pretrained CNTK export (Microsoft.ML.DnnImageFeaturizer.ResNet18, batch norm kept, in " +
                     "inference mode while fine-tuning: the library's default); its blocks are the stem and 9 residual blocks (22 Conv, " +
                     "9 Add: one more than torchvision's 8), so its last 2 are two 512-channel blocks at 7×7; PyTorch trains torchvision's " +
                     "layer4 (a downsampling block and one 512-channel block, about 10 % fewer multiply-accumulates). VGG16: models/architectures/vgg16.onnx with seeded weights " +
                     "(Backbone.FromArchitecture), blocks = the 5 convolution stages, the last 2 trainable; at ~15.5 GMAC per " +
                     "image forward it runs on few images (48 kermany-cxr images) and one round, so its figures are rougher than the others.");
    }

    /// <summary>How the library's fine-tune runs: split execution without the prefix cache, with it, or all in TorchSharp.</summary>
    private enum Engine { Split, Cached, AllTorchSharp, SplitPipelined, Pipelined22, Pipelined21, Pipelined12, Unpipelined11 }

    private static double Library(BenchSettings settings, Backbone backbone, ImageDataset train, BenchReport report, Engine engine, out string what) =>
        Library(settings, backbone, train, report, engine, "fineTune.", UnfrozenBlocks, "MobileNetV2", out what);

    private static double Library(BenchSettings settings, Backbone backbone, ImageDataset train, BenchReport report, Engine engine,
        string keyPrefix, int unfreeze, string backboneName, out string what)
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
                HeadEpochs = 1, Epochs = epochs, UnfreezeLastBlocks = unfreeze, BatchSize = Batch,
                FrozenBlocksInOnnxRuntime = engine != Engine.AllTorchSharp,
                FrozenOutputCacheBytes = engine == Engine.Cached ? new FineTuneOptions().FrozenOutputCacheBytes : 0,
                PipelineFrozenBlocks = engine is Engine.SplitPipelined or Engine.Pipelined22 or Engine.Pipelined21 or Engine.Pipelined12,
                SplitThreads = engine switch
                {
                    Engine.Pipelined22 => (2, 2), Engine.Pipelined21 => (2, 1), Engine.Pipelined12 => (1, 2), Engine.Unpipelined11 => (1, 1), _ => null,
                },
            })
            .Fit();
        using var model = result.Model;
        var finetune = result.History.Where(h => h.Phase == "finetune").ToArray();
        var timed = engine == Engine.Cached ? finetune.Skip(1).ToArray() : finetune;
        var rates = finetune.Select(h => h.TrainImagesPerSecond).ToArray();
        var epochRates = finetune.Select(h => h.TrainImages / h.Seconds).ToArray();
        double headRate = result.History.Where(h => h.Phase == "head").Select(h => h.TrainImagesPerSecond).DefaultIfEmpty(double.NaN).Max();
        string key = keyPrefix + engine switch
        {
            Engine.Split => "library.", Engine.Cached => "libraryCached.", Engine.AllTorchSharp => "libraryAllTorchSharp.",
            Engine.SplitPipelined => "libraryPipelined.", _ => $"library{engine}.",
        };
        report.Set(key + "trainImages", finetune.FirstOrDefault()?.TrainImages ?? 0);
        report.Set(key + "finetuneTrainPassImagesPerSecond", new JsonArray(rates.Select(r => (JsonNode?)Math.Round(r, 2)).ToArray()));
        report.Set(key + "finetuneEpochWithValidationImagesPerSecond", new JsonArray(epochRates.Select(r => (JsonNode?)Math.Round(r, 2)).ToArray()));
        report.Set(key + "headOnlyFirstEpochImagesPerSecond", headRate);
        report.Set(key + "trainLossPerEpoch", new JsonArray(result.History.Select(h => (JsonNode?)(double.IsFinite(h.TrainLoss) ? Math.Round(h.TrainLoss, 6) : null)).ToArray()));
        what = $"{backboneName}: TransferLearner.FineTune(UnfreezeLastBlocks {unfreeze}, batch 32).Fit() on {finetune.FirstOrDefault()?.TrainImages} kermany-cxr training images " +
               $"(of {train.Count} given{(finetune.FirstOrDefault()?.TrainImages < train.Count ? "; the rest validate" : "")}): EpochMetrics.TrainImagesPerSecond (the training pass: loader, forward, backward, " +
               $"optimiser, per-batch metrics; validation excluded), best of {timed.Length} finetune epochs and the rounds interleaved with the other peers; with validation " +
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

    private static JsonObject? PyTorch(BenchSettings settings, BenchReport.Section section) =>
        PyTorch(settings, section, "mobilenet_v2", UnfrozenBlocks, settings.Quick ? 3 : 5, settings.Quick ? 2 : 6);

    private static JsonObject? PyTorch(BenchSettings settings, BenchReport.Section section, string arch, int unfreeze, int repetitions, int steps,
        string? imageList = null)
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
                     "--threads", settings.Threads.ToString(CultureInfo.InvariantCulture), "--unfreeze", unfreeze.ToString(CultureInfo.InvariantCulture),
                     "--repetitions", repetitions.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture),
                     "--arch", arch })
            start.ArgumentList.Add(a);
        if (imageList is not null)
            foreach (string a in new[] { "--images", imageList, "--workers", settings.Threads.ToString(CultureInfo.InvariantCulture), "--epochs", "2" })
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
                section.Note($"PyTorch ({arch}) run failed (exit {process.ExitCode}): {error.Result.Trim().Split('\n').LastOrDefault()}");
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
