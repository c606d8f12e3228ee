using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Samples;

/// <summary>
/// Chest X-ray classification with VGG16 in the six steps the COVID-19 study lists: get the data, preprocess,
/// initialise VGG16, train, validate, test — with accuracy/loss curves and a confusion matrix in the report.
/// </summary>
public static class CovidXrayStudy
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var arguments = SampleArguments.Parse(args, "Chest X-ray classification with VGG16 in six steps.",
            "vgg16", "kermany-cxr/train", "runs/covid-xray", out int exit);
        if (arguments is null) return exit;

        Console.WriteLine("Step 1 — get the data");
        var data = StudyRun.LoadFolder(arguments.Data, arguments);
        var splits = data.Split(validation: 0.15, test: 0.15, seed: arguments.Seed);
        Console.WriteLine(splits.Summary);

        Console.WriteLine("Step 2 — preprocess: resize to the backbone's input, ImageNet normalisation, light augmentation (no flips for chest X-rays)");
        Console.WriteLine("Step 3 — initialise VGG16 with ImageNet weights and a new head");
        var backbone = SampleBackbone.Resolve(arguments);
        Console.WriteLine($"  {backbone}");

        Console.WriteLine("Step 4 — train (head first, then the last block) and Step 5 — validate after every epoch");
        var result = TransferLearner.For(backbone)
            .WithSplits(splits.Train, splits.Validation, splits.Test)
            .Augment(Augmentations.Light)
            .WithSeed(arguments.Seed)
            .WithHead(new HeadOptions { Layers = [HeadLayer.Dense(64), HeadLayer.Dropout(0.5)] })
            .FineTune(new FineTuneOptions { UnfreezeLastBlocks = 1, Epochs = arguments.Epochs ?? 5 })
            .Fit(StudyRun.EpochLines());

        Console.WriteLine("Step 6 — test on the held-out split");
        StudyRun.Finish("Chest X-ray — VGG16 in six steps", result, arguments);
        return 0;
    });
}
