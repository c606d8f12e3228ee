using System.Globalization;
using System.Text.Json.Nodes;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section <c>levers</c> (issue 20): recipe levers measured by k-fold cross-validation on each dataset's training
/// folder — by patient where the file names say who the patient is (<see cref="GroupPatterns.Detect(string)"/>) —
/// each lever on the same folds as the first one (the baseline), so every lever gets a paired per-fold difference
/// with a Student-t interval: a lever helps beyond the fold-to-fold spread only when that interval excludes 0.
/// </summary>
internal static class LeverSection
{
    /// <summary>Every lever by name: what it changes in the learner that starts from the library's defaults.</summary>
    public static readonly IReadOnlyDictionary<string, (string What, Func<TransferLearner, bool, TransferLearner> Apply)> Levers =
        new Dictionary<string, (string, Func<TransferLearner, bool, TransferLearner>)>
        {
            ["default"] = ("FineTune() defaults: 1 head + 10 epochs, last 5 blocks, Augmentations.Standard, MixUp α = 0.2 (since 2026-12-02; before: none), threshold 0.5",
                (l, q) => l.FineTune(Short(new FineTuneOptions(), q))),
            ["no-mixup"] = ("FineTune, MixUpAlpha = 0 (the default recipe before 2026-12-02)", (l, q) => l.FineTune(Short(new FineTuneOptions { MixUpAlpha = 0 }, q))),
            ["features"] = ("ExtractFeatures() defaults (logistic-regression head)", (l, _) => l.ExtractFeatures()),
            ["label-smoothing"] = ("FineTune, LabelSmoothing = 0.1", (l, q) => l.FineTune(Short(new FineTuneOptions { LabelSmoothing = 0.1 }, q))),
            ["youden"] = ("FineTune, threshold by Youden's J on validation", (l, q) => l.FineTune(Short(new FineTuneOptions(), q)).WithThreshold(ThresholdPolicy.Youden)),
            ["augment-light"] = ("FineTune, Augmentations.Light", (l, q) => l.FineTune(Short(new FineTuneOptions(), q)).Augment(Augmentations.Light)),
            ["augment-radiograph"] = ("FineTune, random-resized crop 0.7–1 + rotation 10° + brightness/contrast 0.2 + gamma 0.8–1.25, no flips",
                (l, q) => l.FineTune(Short(new FineTuneOptions(), q)).Augment(new AugmentationPipeline(new RandomResizedCrop(0.7, 1.0), new Rotation(10),
                    new Brightness(0.2), new Contrast(0.2), new Gamma(0.8, 1.25)))),
            ["tta"] = ("FineTune, test-time augmentation: plain image + 4 Augmentations.Light views averaged (threshold chosen on them)",
                (l, q) => l.FineTune(Short(new FineTuneOptions(), q)).WithTestTimeAugmentation(4)),
            ["ema"] = ("FineTune, weights averaged over the steps (EmaHalfLifeEpochs = 1)", (l, q) => l.FineTune(Short(new FineTuneOptions { EmaHalfLifeEpochs = 1 }, q))),
            ["mixup"] = ("FineTune, MixUp α = 0.2 at the input of the first trainable block (MixUpAlpha = 0.2; the default since 2026-12-02)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { MixUpAlpha = 0.2 }, q))),
            ["cutmix"] = ("FineTune, CutMix α = 1 at the input of the first trainable block instead of MixUp (MixUpAlpha = 0, CutMixAlpha = 1)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { MixUpAlpha = 0, CutMixAlpha = 1 }, q))),
            ["mixup-cutmix"] = ("FineTune, MixUp α = 0.2 or CutMix α = 1 per batch at even odds (CutMixAlpha = 1 added to the default)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { CutMixAlpha = 1 }, q))),
            ["views-3"] = ("FineTune, frozen blocks' output of 3 augmented views per image cached (CachedAugmentedViews = 3)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { CachedAugmentedViews = 3 }, q))),
            ["unfreeze-8"] = ("FineTune, last 8 blocks", (l, q) => l.FineTune(Short(new FineTuneOptions { UnfreezeLastBlocks = 8 }, q))),
            ["auto"] = ("Auto() defaults: per fold, trials of feature extraction and fine-tuning of the last 2 and 5 blocks (1 head + 2 epochs; by 3-fold cross-validation of the fold's images under 1000) choose the recipe trained in full",
                (l, q) => l.Auto(q ? new AutoOptions { TrialEpochs = 1 } : null)),
            ["unfreeze-2"] = ("FineTune, last 2 blocks", (l, q) => l.FineTune(Short(new FineTuneOptions { UnfreezeLastBlocks = 2 }, q))),
            ["lr-3e-4"] = ("FineTune, fine-tune learning rate 3e-4 instead of 1e-3 (head phase unchanged)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { FineTuneLearningRate = 3e-4 }, q))),
            ["lr-3e-3"] = ("FineTune, fine-tune learning rate 3e-3 instead of 1e-3 (head phase unchanged)",
                (l, q) => l.FineTune(Short(new FineTuneOptions { FineTuneLearningRate = 3e-3 }, q))),
            ["epochs-5"] = ("FineTune, 1 head + 5 epochs", (l, q) => l.FineTune(Short(new FineTuneOptions { Epochs = 5 }, q))),
            ["epochs-20"] = ("FineTune, 1 head + 20 epochs", (l, q) => l.FineTune(Short(new FineTuneOptions { Epochs = 20 }, q))),
        };

    // quick mode: a smoke test of the plumbing, one head and one fine-tune epoch
    private static FineTuneOptions Short(FineTuneOptions options, bool quick) => quick ? options with { HeadEpochs = 1, Epochs = 1 } : options;

    private static readonly (string Name, Func<CrossValidationResult, CrossValidatedMetric> Metric)[] Reported =
    [
        ("accuracy", r => r.Accuracy), ("balancedAccuracy", r => r.BalancedAccuracy), ("rocAuc", r => r.RocAuc), ("logLoss", r => r.LogLoss),
    ];

    public static void Run(BenchSettings settings, BenchReport report)
    {
        int folds = settings.Folds ?? (settings.Quick ? 2 : 3);
        var levers = settings.Levers ?? ["default", "label-smoothing", "augment-radiograph", "youden"];
        foreach (var name in levers)
            if (!Levers.ContainsKey(name)) throw new ArgumentException($"Unknown lever '{name}'; known: {string.Join(", ", Levers.Keys)}.");
        var section = report.AddSection($"Levers by {folds}-fold cross-validation (MobileNetV2), paired against '{levers[0]}'",
            "dataset", "lever", "folds by", "accuracy (mean ± sd)", "Δ accuracy [95% CI]", "balanced acc.", "Δ balanced [95% CI]",
            "ROC-AUC", "Δ ROC-AUC [95% CI]", "log-loss", "seconds");
        section.Note(settings.Quick
            ? "Quick mode: at most 16 training images per class, 2 folds, 1 head + 1 fine-tune epoch: a smoke test, not a measurement."
            : $"Each dataset's `train` folder{(settings.MaxPerClass is int m ? $" (at most {m} images per class, seeded)" : "")} in {folds} stratified folds (seed 42); " +
              "each fold's model picks its best epoch and threshold on 15 % of the other folds and is scored on its fold. Δ = lever − baseline per fold, " +
              "mean with its Student-t 95 % interval: an interval that excludes 0 is an effect beyond the fold-to-fold spread.");
        foreach (var name in levers) section.Note($"`{name}`: {Levers[name].What}.");
        var backbone = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        var json = new JsonArray();
        foreach (string dataset in settings.Datasets)
        {
            string folder = settings.Dataset(dataset, "train");
            string? groups = GroupPatterns.Detect(folder);
            int? perClass = settings.Quick ? 16 : settings.MaxPerClass;
            var images = ImageDataset.FromFolder(folder, new ImageDatasetOptions { GroupPattern = groups, MaxImagesPerClass = perClass, Seed = 5 });
            CrossValidationResult? baseline = null;
            foreach (string lever in levers)
            {
                var learner = TransferLearner.For(backbone).WithImages(images).WithThreads(settings.Threads).WithBootstrap(0);
                learner = Levers[lever].Apply(learner, settings.Quick);
                CrossValidationResult result;
                try
                {
                    result = learner.CrossValidate(folds);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    section.Note($"{dataset} {lever} failed: {e.GetType().Name}: {e.Message}");
                    continue;
                }
                baseline ??= result;
                var row = new JsonObject
                {
                    ["dataset"] = dataset, ["lever"] = lever, ["folds"] = folds, ["byGroup"] = result.ByGroup, ["images"] = images.Count,
                    ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 1),
                    ["recipePerFold"] = new JsonArray(result.Folds.Select(f => (JsonNode?)RecipeName(f.Recipe)).ToArray()),
                };
                var cells = new List<object?> { dataset, lever, result.ByGroup ? $"patient ({result.GroupCount})" : "image" };
                foreach (var (metric, select) in Reported)
                {
                    var mine = select(result);
                    var delta = CrossValidatedMetricDifference(select(baseline), mine);
                    row[metric] = new JsonObject
                    {
                        ["mean"] = Round(mine.Mean), ["sd"] = Round(mine.StandardDeviation), ["perFold"] = new JsonArray(mine.PerFold.Select(v => (JsonNode?)Round(v)).ToArray()),
                        ["delta"] = Round(delta.Mean), ["deltaCi95"] = new JsonArray(Round(delta.Interval.Lower), Round(delta.Interval.Upper)),
                    };
                    if (metric == "logLoss") { cells.Add(F(mine.Mean)); continue; }
                    cells.Add($"{F(mine.Mean)} ± {F(mine.StandardDeviation)}");
                    cells.Add(ReferenceEquals(result, baseline) ? "—" : $"{Signed(delta.Mean)} [{Signed(delta.Interval.Lower)}, {Signed(delta.Interval.Upper)}]");
                }
                cells.Add(result.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture));
                // (one column per metric and one per difference; log-loss without its difference)
                section.Row([.. cells]);
                json.Add(row);
                Console.WriteLine($"levers: {dataset} {lever}: accuracy {F(result.Accuracy.Mean)} ± {F(result.Accuracy.StandardDeviation)}, " +
                                  $"ROC-AUC {F(result.RocAuc.Mean)}, {result.Elapsed.TotalSeconds:F0} s, recipe per fold: {string.Join(", ", result.Folds.Select(f => RecipeName(f.Recipe)))}");
                report.Set("levers", json.DeepClone());
                report.Write();
            }
        }
    }

    // per-fold differences (same folds: the same images and seed) summarised like a metric (bench sees the library's internals)
    private static CrossValidatedMetric CrossValidatedMetricDifference(CrossValidatedMetric baseline, CrossValidatedMetric lever) =>
        CrossValidatedMetric.From("delta", lever.PerFold.Zip(baseline.PerFold, (a, b) => a - b).ToArray());

    // what each fold trained: the lever's recipe, or with Auto() the one its trials chose
    private static string RecipeName(TrainingRecipe recipe) => recipe switch
    {
        FineTuneOptions f => $"finetune-{f.UnfreezeLastBlocks}",
        ScratchOptions => "scratch",
        FeatureExtractionOptions => "features",
        _ => recipe.Mode.ToString(),
    };

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
    private static string Signed(double v) => double.IsNaN(v) ? "n/a" : v.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture);
    private static JsonNode? Round(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 4)) : null;
}
