using System.CommandLine;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Samples;

/// <summary>Two backbones, the same data, split and recipe, compared side by side (VGG16 vs ResNet50 by default).</summary>
public static class BackboneComparison
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var backbone2 = new Option<string?>("--backbone2") { Description = "The second catalog backbone.", DefaultValueFactory = _ => "resnet50" };
        var weights2 = new Option<string?>("--weights2") { Description = "An ONNX file for the second backbone; overrides --backbone2." };
        var arguments = SampleArguments.Parse(args, "VGG16 vs ResNet50: same data, same recipe.",
            "vgg16", "kermany-cxr/train", "runs/vgg16-vs-resnet50", out int exit, backbone2, weights2);
        if (arguments is null) return exit;

        var data = StudyRun.LoadFolder(arguments.Data, arguments);
        var splits = data.Split(validation: 0.15, test: 0.15, seed: arguments.Seed);
        var second = arguments with { Backbone = arguments.Extra["--backbone2"] ?? "resnet50", Weights = arguments.Extra["--weights2"] };
        var candidates = new[] { ("1", arguments), ("2", second) };
        var runs = new List<(string Name, TrainingResult Result)>();
        foreach (var (slot, candidate) in candidates)
        {
            var backbone = SampleBackbone.Resolve(candidate);
            Console.WriteLine($"backbone {slot}: {backbone}");
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
        return 0;
    });
}
