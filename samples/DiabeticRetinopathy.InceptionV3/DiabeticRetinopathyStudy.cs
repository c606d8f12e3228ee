using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Samples;

/// <summary>
/// Diabetic-retinopathy grading (0–4) on fundus images with Inception V3, after balanced undersampling to 150
/// images a grade: the study's comparison of end-to-end training (from scratch), transfer learning with a frozen
/// backbone, and transfer learning with fine-tuning (it reported 40 %, 48 % and 52 % accuracy), here with the
/// quadratic-weighted kappa that suits ordinal grades.
/// </summary>
public static class DiabeticRetinopathyStudy
{
    private static readonly (string Name, double Reported)[] Reported = [("scratch", 0.40), ("features", 0.48), ("finetune", 0.52)];

    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var arguments = SampleArguments.Parse(args, "Diabetic-retinopathy grading: from scratch vs frozen transfer vs fine-tuning.",
            "inception_v3", "retinamnist", "runs/diabetic-retinopathy", out int exit);
        if (arguments is null) return exit;

        var official = StudyRun.LoadFolder(Path.Combine(arguments.Data, "train"), arguments);
        var validation = StudyRun.LoadFolder(Path.Combine(arguments.Data, "val"), arguments, classNames: official.ClassNames);
        // the study balanced its grades by undersampling to 150 images each (grades with fewer keep all of theirs)
        var balanced = Sampling.Undersample(official, perClass: 150, seed: arguments.Seed);
        var split = balanced.Split(validation: 0, test: 0.2, seed: arguments.Seed);
        Console.WriteLine($"grades after undersampling: {string.Join(", ", balanced.ClassCounts())}; test split {split.Test.Count} images");

        var backbone = SampleBackbone.Resolve(arguments);
        TransferLearner Base() => TransferLearner.For(backbone)
            .WithSplits(split.Train, validation, split.Test)
            // fundus photographs have no canonical orientation: flips and rotations are safe
            .Augment(Augmentations.Fundus)
            .WithSeed(arguments.Seed);
        int epochs = arguments.Epochs ?? 8;
        var runs = new List<(string Name, TrainingResult Result)>
        {
            ("scratch", Base().TrainFromScratch(new ScratchOptions { Epochs = epochs * 2 }).Fit(StudyRun.EpochLines())),
            ("features", Base().ExtractFeatures(new FeatureExtractionOptions { AugmentedViews = 2 }).Fit(StudyRun.EpochLines())),
            ("finetune", Base().FineTune(new FineTuneOptions { Epochs = epochs, UnfreezeLastBlocks = 3 }).Fit(StudyRun.EpochLines())),
        };
        foreach (var (name, result) in runs)
            StudyRun.Finish($"Diabetic retinopathy — {name}", result, arguments, subfolder: name);
        StudyRun.Summary("Diabetic retinopathy grading (test split)", runs);
        foreach (var (name, reported) in Reported)
            Console.WriteLine($"  study reported {name}: accuracy {reported:P0}");
        return 0;
    });
}
