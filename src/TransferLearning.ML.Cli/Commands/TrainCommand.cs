using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl train</c>: train a classifier from folder-per-class images and write model, report and metrics.</summary>
internal static class TrainCommand
{
    public static Command Create(ILoggerFactory logging)
    {
        var train = new Option<string>("--train") { Description = "Training images: a folder with one sub-folder per class.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation images (folder per class). Default: a stratified split of --train." };
        var test = new Option<string?>("--test") { Description = "Test images (folder per class) for the final metrics. Default: none (metrics on validation)." };
        var backbone = new BackboneArguments();
        var mode = new Option<string>("--mode") { Description = "features (frozen backbone, cached features), finetune (last blocks trained) or scratch.", DefaultValueFactory = _ => "finetune" };
        mode.AcceptOnlyFromAmong("features", "finetune", "scratch");
        var output = new Option<string>("--out") { Description = "Output folder: model.tlmodel, report.html, metrics.json, history.csv.", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (fine-tune phase / head training / scratch). Default: the mode's default (10, 60, 20)." };
        var unfreeze = new Option<int>("--unfreeze") { Description = "Fine-tuning: backbone blocks trained, counted from the end.", DefaultValueFactory = _ => 5 };
        var batch = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 32 };
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate. Default: the mode's default." };
        var augment = new Option<string>("--augment") { Description = "Training augmentation: none, light, standard, strong, fundus.", DefaultValueFactory = _ => "standard" };
        var validationFraction = new Option<double>("--val-fraction") { Description = "Share of --train held out for validation when --validation is not given.", DefaultValueFactory = _ => 0.15 };
        var maxPerClass = new Option<int?>("--max-per-class") { Description = "Use at most this many images per class (seeded choice), for quick runs." };
        var classes = new Option<string?>("--classes") { Description = "Comma-separated class folders to keep, e.g. Normal,Stone." };
        var threshold = new Option<string>("--threshold") { Description = "Two classes: default (0.5), youden, sensitivity:0.95, specificity:0.9 or a number.", DefaultValueFactory = _ => "default" };
        var seed = new Option<int>("--seed") { Description = "Seed of splits, weights, shuffling and augmentation.", DefaultValueFactory = _ => 42 };
        var threads = CliOptions.Threads();
        var checkpoints = new Option<string?>("--checkpoints") { Description = "Checkpoint folder; rerunning the same command resumes an interrupted run." };
        var skipUnreadable = CliOptions.SkipUnreadable();
        var maxMegapixels = CliOptions.MaxMegapixels();
        var imageSize = new Option<int?>("--image-size") { Description = "Input side in pixels (e.g. 64 for 28×28 MedMNIST images). Default: the backbone's own (224 for most)." };

        var command = new Command("train", "Train a classifier on folder-per-class images; writes model.tlmodel, report.html, metrics.json and history.csv.")
        {
            train, validation, test, mode, output, epochs, unfreeze, batch, learningRate, augment, validationFraction,
            maxPerClass, classes, threshold, seed, threads, checkpoints, skipUnreadable, maxMegapixels, imageSize,
        };
        backbone.AddTo(command);
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            string outDirectory = CliOptions.PrepareOutput(parse.GetValue(output)!, "--out");
            var keep = parse.GetValue(classes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int seedValue = parse.GetValue(seed);
            bool skip = parse.GetValue(skipUnreadable);
            var trainSet = CliOptions.LoadFolder(parse.GetValue(train)!, "--train", null, keep, parse.GetValue(maxPerClass), seedValue, skip);
            ImageDataset? Other(string? path, string name) => path is null ? null
                : CliOptions.LoadFolder(path, name, trainSet.ClassNames, keep, parse.GetValue(maxPerClass), seedValue, skip);
            var validationSet = Other(parse.GetValue(validation), "--validation");
            var testSet = Other(parse.GetValue(test), "--test");

            var model = backbone.Resolve(parse, null, token);
            var learner = TransferLearner.For(model)
                .Augment(CliOptions.Augmentation(parse.GetValue(augment)!))
                .WithSeed(seedValue)
                .WithThreads(parse.GetValue(threads))
                .WithThreshold(CliOptions.Threshold(parse.GetValue(threshold)!))
                .WithLoader(skipUnreadableImages: skip, maxImagePixels: CliOptions.Pixels(parse.GetValue(maxMegapixels)))
                .WithLogger(logging.CreateLogger("tl"));
            if (validationSet is null)
            {
                var split = trainSet.Split(parse.GetValue(validationFraction), 0, seedValue);
                learner = learner.WithSplits(split.Train, split.Validation, testSet);
            }
            else learner = learner.WithSplits(trainSet, validationSet, testSet);
            if (parse.GetValue(checkpoints) is { } checkpointDirectory) learner = learner.WithCheckpoints(checkpointDirectory);
            if (parse.GetValue(imageSize) is int side)
                learner = learner.WithPreprocessing(model.Preprocessing with { Width = side, Height = side });

            int? epochCount = parse.GetValue(epochs);
            double? lr = parse.GetValue(learningRate);
            int batchSize = parse.GetValue(batch);
            learner = parse.GetValue(mode) switch
            {
                "features" => learner.ExtractFeatures(new FeatureExtractionOptions
                {
                    Epochs = epochCount ?? 60, LearningRate = lr ?? 3e-3, BatchSize = Math.Max(batchSize, 64),
                }),
                "scratch" => learner.TrainFromScratch(new ScratchOptions { Epochs = epochCount ?? 20, LearningRate = lr ?? 1e-3, BatchSize = batchSize }),
                _ => learner.FineTune(new FineTuneOptions
                {
                    Epochs = epochCount ?? 10, UnfreezeLastBlocks = parse.GetValue(unfreeze), BatchSize = batchSize,
                    FineTuneLearningRate = lr ?? 1e-3,
                }),
            };

            CommandRunner.Info($"Training [bold]{parse.GetValue(mode)}[/] on {Markup.Escape(model.ToString())}");
            CommandRunner.Info(Markup.Escape($"Backbone {model.Name}: {model.FeatureTensorDescription}; input {model.Preprocessing.Describe()}"));
            TrainingResult result;
            try
            {
                result = TrainingProgressDisplay.Run(progress => learner.Fit(progress, token));
            }
            catch (TransferLearning.ML.Onnx.OnnxModelException e) when (e.FilePath is null)
            {
                // graphs derived in memory from the backbone carry no file: name the one the user gave
                throw new TransferLearning.ML.Onnx.OnnxModelException(e.Message, backbone.Named(parse), e.NodeName, e.OpType, e);
            }
            catch (TransferLearning.ML.Onnx.Module.OnnxModuleException e)
            {
                // fine-tuning compiles the backbone into a TorchSharp module: say which file could not be compiled
                string file = backbone.Named(parse);
                throw new TransferLearning.ML.Onnx.OnnxModelException(
                    e.Message.Contains(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}", file, innerException: e);
            }
            RunOutput.Write(outDirectory, result);
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }
}
