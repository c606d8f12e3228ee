using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Samples;

/// <summary>
/// Kidney stones on axial CT, Stone vs Normal: VGG19 pretrained on ImageNet with its last convolutional block
/// unfrozen, the dense classifier chopped off and a new dense head trained on top.
/// </summary>
public static class KidneyStoneStudy
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var arguments = SampleArguments.Parse(args, "Kidney stone detection on CT with VGG19 (last block fine-tuned).",
            "vgg19", "kidney-ct/train", "runs/kidney-stone", out int exit);
        if (arguments is null) return exit;

        var data = StudyRun.LoadFolder(arguments.Data, arguments, classes: ["Normal", "Stone"]);
        Console.WriteLine($"kidney CT: {data}");
        var backbone = SampleBackbone.Resolve(arguments);
        var result = TransferLearner.For(backbone)
            .WithImages(data)
            .Split(validation: 0.15, test: 0.15, seed: arguments.Seed)
            // CT slices: small rotations and shifts; no flips (left and right kidney are not interchangeable in a slice)
            .Augment(Augmentations.Light)
            .WithSeed(arguments.Seed)
            .WithHead(new HeadOptions { Pooling = HeadPooling.Flatten, Layers = [HeadLayer.Dense(256), HeadLayer.Dropout(0.5)] })
            .FineTune(new FineTuneOptions { UnfreezeLastBlocks = 1, HeadEpochs = 1, Epochs = arguments.Epochs ?? 6 })
            .Fit(StudyRun.EpochLines());
        StudyRun.Finish("Kidney stone vs normal CT — VGG19, last block fine-tuned", result, arguments);
        return 0;
    });
}
