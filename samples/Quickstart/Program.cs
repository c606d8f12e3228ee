using TransferLearning.ML;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;

var data = ImageDataset.FromFolder("../shared/datasets/kermany-cxr/train", new ImageDatasetOptions { MaxImagesPerClass = 60 });
var progress = new Progress<TrainingProgress>(p => { if (p.EpochResult is { } e) Console.WriteLine(e); });
var result = TransferLearner.For(Backbone.FromOnnx("../shared/models/mobilenetv2-imagenet.onnx"))
    .WithImages(data).Split(0.2, 0.2, 42)
    .FineTune(new FineTuneOptions { Epochs = 2, HeadEpochs = 1, UnfreezeLastBlocks = 3 })
    .Fit(progress);
Console.WriteLine($"test accuracy {result.TestMetrics!.Accuracy:F3} auc {result.TestMetrics.RocAuc:F3}; timings {string.Join(", ", result.Timings.Select(t => $"{t.Key}={t.Value.TotalSeconds:F1}s"))}");
