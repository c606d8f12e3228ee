using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.Heads;
using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Samples;

/// <summary>
/// Pneumonia vs normal chest X-rays: VGG16 frozen except its last layers, the study's head
/// Flatten → Dropout 0.3 → Dense 128 ReLU (L2 0.05) → Dropout 0.2 → Dense 2, trained with Adam.
/// </summary>
/// <remarks>
/// The study unfroze VGG16's last 3 layers (block5's last convolutions); the library unfreezes whole blocks, so the
/// closest setting is the last block (block5: three convolutions and the pooling).
/// </remarks>
public static class PneumoniaStudy
{
    public static int Run(string[] args) => StudyRun.Main(() =>
    {
        var arguments = SampleArguments.Parse(args, "Pneumonia detection on chest X-rays with VGG16 and the study's head.",
            "vgg16", "kermany-cxr/train", "runs/pneumonia", out int exit);
        if (arguments is null) return exit;

        var data = StudyRun.LoadFolder(arguments.Data, arguments);
        var backbone = SampleBackbone.Resolve(arguments);
        var result = TransferLearner.For(backbone)
            .WithImages(data)
            .Split(validation: 0.15, test: 0.15, seed: arguments.Seed)
            .Augment(Augmentations.Light)
            .WithSeed(arguments.Seed)
            .WithHead(new HeadOptions
            {
                Pooling = HeadPooling.Flatten,
                Layers = [HeadLayer.Dropout(0.3), HeadLayer.Dense(128, l2: 0.05), HeadLayer.Dropout(0.2)],
            })
            .FineTune(new FineTuneOptions
            {
                Optimizer = OptimizerKind.Adam, WeightDecay = 0, UnfreezeLastBlocks = 1, HeadEpochs = 1, Epochs = arguments.Epochs ?? 5,
                LearningRate = 1e-3, FineTuneLearningRate = 1e-4,
            })
            .Fit(StudyRun.EpochLines());
        StudyRun.Finish("Pneumonia vs normal — VGG16 + study head (Adam)", result, arguments);
        return 0;
    });
}
