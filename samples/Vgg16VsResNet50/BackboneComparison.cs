using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Samples;

/// <summary>
/// The study "VGG16 vs ResNet50" with the pretrained networks a .NET application can get here: two backbones, the
/// same data, split and recipe, compared side by side on the validation split with 95 % bootstrap intervals.
/// Defaults: MobileNetV2 (ImageNet weights in shared/, or the catalog's) against ResNet18 (ML.NET's ImageNet
/// ResNet18, from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package this sample references). Any catalog
/// backbone or ONNX file can be passed instead (<c>--backbone vgg16 --backbone2 resnet50</c>).
/// </summary>
public static class BackboneComparison
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var backbone2 = new Option<string?>("--backbone2") { Description = "The second catalog backbone.", DefaultValueFactory = _ => "resnet18" };
        var weights2 = new Option<string?>("--weights2") { Description = "An ONNX file for the second backbone; overrides --backbone2." };
        var arguments = SampleArguments.Parse(args, "Two pretrained backbones, same data, same recipe (the study: VGG16 vs ResNet50).",
            "mobilenet_v2", "kermany-cxr/train", "runs/backbone-comparison", out int exit, backbone2, weights2);
        if (arguments is null) return exit;

        var data = StudyRun.LoadFolder(arguments.Data, arguments);
        var splits = data.Split(validation: 0.15, test: 0.15, seed: arguments.Seed);
        var second = arguments with { Backbone = arguments.Extra["--backbone2"] ?? "resnet18", Weights = arguments.Extra["--weights2"] };
        var candidates = new[] { ("1", arguments), ("2", second) };
        var runs = new List<(string Name, TrainingResult Result)>();
        foreach (var (slot, candidate) in candidates)
        {
            var backbone = SampleBackbone.Resolve(candidate);
            Console.WriteLine($"backbone {slot}: {backbone}; {backbone.FeatureTensorDescription}; input {backbone.Preprocessing.Describe()}");
            // an int8 graph runs frozen: the same recipe, but only its head trains
            int unfreeze = backbone.IsQuantized ? 0 : 2;
            if (backbone.IsQuantized) Console.WriteLine($"  {backbone.Name} is quantised (int8): its blocks stay frozen, only the head trains");
            var result = TransferLearner.For(backbone)
                .WithSplits(splits.Train, splits.Validation, splits.Test)
                .Augment(Augmentations.Light)
                .WithSeed(arguments.Seed)
                .FineTune(new FineTuneOptions { UnfreezeLastBlocks = unfreeze, Epochs = arguments.Epochs ?? 4 })
                .Fit(StudyRun.EpochLines());
            string name = $"{slot}: {backbone.Name}";
            StudyRun.Finish($"Backbone {name}", result, arguments, subfolder: $"backbone{slot}-{backbone.Name}");
            runs.Add((name, result));
        }
        StudyRun.Summary("Same data, same recipe", runs);
        Verdict(runs[0], runs[1]);
        return 0;
    });

    /// <summary>Per metric on the validation split: both values with their 95 % intervals, and which backbone won.</summary>
    private static void Verdict((string Name, TrainingResult Result) first, (string Name, TrainingResult Result) second)
    {
        var a = first.Result.ValidationMetrics;
        var b = second.Result.ValidationMetrics;
        if (a is null || b is null) return;
        var table = new Table().Title("Validation split: which backbone won").AddColumn("metric")
            .AddColumn(Markup.Escape(first.Name)).AddColumn(Markup.Escape(second.Name)).AddColumn("winner");
        var rows = new (string Metric, Func<ClassificationMetrics, double> Value, Func<BootstrapIntervals, ConfidenceInterval?> Interval)[]
        {
            ("accuracy", m => m.Accuracy, i => i.Accuracy),
            ("balanced accuracy", m => m.BalancedAccuracy, i => i.BalancedAccuracy),
            ("ROC-AUC", m => m.RocAuc, i => i.RocAuc),
            ("sensitivity", m => m.Sensitivity, i => i.Sensitivity),
            ("specificity", m => m.Specificity, i => i.Specificity),
        };
        foreach (var (metric, value, interval) in rows)
        {
            double x = value(a), y = value(b);
            if (double.IsNaN(x) || double.IsNaN(y)) continue;
            ConfidenceInterval? ix = a.ConfidenceIntervals is { } ca ? interval(ca) : null;
            ConfidenceInterval? iy = b.ConfidenceIntervals is { } cb ? interval(cb) : null;
            string winner = x == y ? "tie" : x > y ? first.Name : second.Name;
            if (x != y && ix is { } p && iy is { } q && p.Lower <= q.Upper && q.Lower <= p.Upper) winner += " (intervals overlap)";
            table.AddRow(metric, Cell(x, ix), Cell(y, iy), Markup.Escape(winner));
        }
        AnsiConsole.Write(table);
    }

    private static string Cell(double value, ConfidenceInterval? interval) => interval is { } i
        ? string.Create(CultureInfo.InvariantCulture, $"{value:F3} ({i.Lower:F3}–{i.Upper:F3})")
        : value.ToString("F3", CultureInfo.InvariantCulture);
}
