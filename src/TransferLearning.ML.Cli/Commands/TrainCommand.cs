using System.CommandLine;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using TransferLearning.ML.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

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
        var mode = new Option<string>("--mode") { Description = "features (frozen backbone, cached features), finetune (last blocks trained), scratch, or auto (short trials of features and fine-tuning depths on the validation split choose one).", DefaultValueFactory = _ => "finetune" };
        mode.AcceptOnlyFromAmong("features", "finetune", "scratch", "auto");
        var headKind = new Option<string?>("--head")
        {
            Description = "--mode features: how the head is fitted: linear (ML.NET L-BFGS logistic regression, L2 chosen on validation) " +
                          "or neural (AdamW for --epochs epochs, best epoch on validation). Default: linear.",
        };
        headKind.AcceptOnlyFromAmong("linear", "neural");
        var output = new Option<string>("--out") { Description = "Output folder: model.tlmodel, report.html, metrics.json, history.csv.", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs (fine-tune phase / neural feature head / scratch). Default: the mode's ({new FineTuneOptions().Epochs}, {new FeatureExtractionOptions().Epochs}, {new ScratchOptions().Epochs})." };
        var unfreeze = new Option<int?>("--unfreeze") { Description = $"Fine-tuning: backbone blocks trained, counted from the end. Default {new FineTuneOptions().UnfreezeLastBlocks}." };
        var batch = new Option<int?>("--batch-size") { Description = $"Images per batch. Default: the mode's ({new FineTuneOptions().BatchSize}, {new FeatureExtractionOptions().BatchSize}, {new ScratchOptions().BatchSize})." };
        var learningRate = new Option<double?>("--lr") { Description = $"Peak learning rate: of the fine-tune phase (default {new FineTuneOptions().FineTuneLearningRate}), the head on features ({new FeatureExtractionOptions().LearningRate}) or scratch training ({new ScratchOptions().LearningRate})." };
        var headLearningRate = new Option<double?>("--head-lr") { Description = $"Fine-tuning: peak learning rate of the head-only phase before the blocks are unfrozen. Default {new FineTuneOptions().LearningRate}." };
        var augment = new Option<string>("--augment") { Description = "Training augmentation: none, light, standard, strong, fundus.", DefaultValueFactory = _ => "standard" };
        var validationFraction = new Option<double>("--val-fraction") { Description = "Share of --train held out for validation when --validation is not given.", DefaultValueFactory = _ => 0.15 };
        var maxPerClass = new Option<int?>("--max-per-class") { Description = "Use at most this many --train images per class (seeded choice), for quick runs; --validation and --test are used whole." };
        var classes = new Option<string?>("--classes") { Description = "Comma-separated class folders to keep, e.g. Normal,Stone." };
        var threshold = new Option<string>("--threshold") { Description = "Two classes: default (0.5), youden, sensitivity:0.95, specificity:0.9, prevalence:0.625 (the positive class's share where the model will be used) or a number.", DefaultValueFactory = _ => "default" };
        var seed = new Option<int>("--seed") { Description = "Seed of splits, weights, shuffling and augmentation.", DefaultValueFactory = _ => 42 };
        var threads = CliOptions.Threads();
        var checkpoints = new Option<string?>("--checkpoints") { Description = "Checkpoint folder; rerunning the same command resumes an interrupted run." };
        var skipUnreadable = CliOptions.SkipUnreadable();
        var maxMegapixels = CliOptions.MaxMegapixels();
        var groupPattern = new Option<string>("--group-pattern")
        {
            Description = "Which images belong to one patient, kept on one side of every split and fold: auto (a known file-name convention " +
                          "when every --train file follows it, e.g. Kermany's personN_/IM-N), none (images split one by one), or a regular " +
                          "expression whose first group, matched on the file name, names the patient.",
            DefaultValueFactory = _ => "auto",
        };
        var folds = new Option<int?>("--folds")
        {
            Description = "Before training the model: estimate the recipe by k-fold cross-validation on --train (by patient where " +
                          "--group-pattern finds patients), printed and written to crossvalidation.json. Costs k more trainings. E.g. 5.",
        };
        var tta = new Option<int>("--tta")
        {
            Description = "Test-time augmentation of the final evaluation: score each validation and test image as the mean of the plain " +
                          "image and N light augmented views (the threshold is chosen on them). Default 0 (off).",
            DefaultValueFactory = _ => 0,
        };
        var ema = new Option<double?>("--ema")
        {
            Description = "Fine-tuning and scratch: keep an exponential moving average of the weights with this half-life in epochs " +
                          "(e.g. 1) as each epoch's model, instead of the last step's weights. Default: off.",
        };
        var mixUp = new Option<double?>("--mixup")
        {
            Description = "Fine-tuning and scratch: MixUp with this Beta(α, α) (e.g. 0.2), mixing each batch at the input of the first trainable " +
                          "block (the images from scratch); 0 turns it off. Default: 0.2 for finetune, 0 for scratch.",
        };
        var cutMix = new Option<double?>("--cutmix")
        {
            Description = "Fine-tuning and scratch: CutMix with this Beta(α, α) (e.g. 1), pasting a box of another image of the batch at the " +
                          "input of the first trainable block (the images from scratch); with --mixup too, each batch takes one of the two. Default: off.",
        };
        var imageSize = new Option<int?>("--image-size") { Description = "Input side in pixels (e.g. 64 for 28×28 MedMNIST images). Default: the backbone's own (224 for most)." };

        var command = new Command("train", "Train a classifier on folder-per-class images; writes model.tlmodel, report.html, metrics.json and history.csv.")
        {
            train, validation, test, mode, headKind, output, epochs, unfreeze, batch, learningRate, headLearningRate, augment, validationFraction,
            maxPerClass, classes, threshold, seed, threads, checkpoints, skipUnreadable, maxMegapixels, imageSize, groupPattern, folds, tta, ema, mixUp, cutMix,
        };
        backbone.AddTo(command);
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(token =>
        {
            string outDirectory = CliOptions.PrepareOutput(parse.GetValue(output)!, "--out");
            var keep = parse.GetValue(classes)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            int seedValue = parse.GetValue(seed);
            bool skip = parse.GetValue(skipUnreadable);
            string trainFolder = parse.GetValue(train)!;
            string? groups = CliOptions.GroupPattern(parse.GetValue(groupPattern)!, trainFolder);
            var trainSet = CliOptions.LoadFolder(trainFolder, "--train", null, keep, parse.GetValue(maxPerClass), seedValue, skip, groups);
            if (groups is not null && parse.GetValue(groupPattern)!.Equals("auto", StringComparison.OrdinalIgnoreCase))
                CommandRunner.Info(Markup.Escape($"Patients from file names ({groups}): {trainSet.Samples.Select(s => s.Group).Distinct().Count()} patients; splits keep each on one side (--group-pattern none turns it off)"));
            int? foldCount = parse.GetValue(folds);
            if (foldCount is < 2) throw new ArgumentException($"--folds {foldCount}: use at least 2 (e.g. 5), or leave it out.");
            if (foldCount is not null && parse.GetValue(validation) is not null)
                throw new ArgumentException("--folds cross-validates on --train, cutting each fold's validation split from it: leave out --validation, or --folds.");
            // --max-per-class subsamples training only: validation and test metrics come from the whole folders
            ImageDataset? Other(string? path, string name) => path is null ? null
                : CliOptions.LoadFolder(path, name, trainSet.ClassNames, keep, null, seedValue, skip);
            var validationSet = Other(parse.GetValue(validation), "--validation");
            var testSet = Other(parse.GetValue(test), "--test");

            var model = backbone.Resolve(parse, null, token);
            var learner = TransferLearner.For(model)
                .Augment(CliOptions.Augmentation(parse.GetValue(augment)!))
                .WithSeed(seedValue)
                .WithThreads(parse.GetValue(threads))
                .WithThreshold(CliOptions.Threshold(parse.GetValue(threshold)!))
                .WithLoader(new ImageLoadingOptions { SkipUnreadableImages = skip, MaxImagePixels = CliOptions.Pixels(parse.GetValue(maxMegapixels)) })
                .WithLogger(logging.CreateLogger("tl"));
            if (validationSet is null)
            {
                var split = trainSet.Split(parse.GetValue(validationFraction), 0, seedValue);
                learner = learner.WithSplits(split.Train, split.Validation, testSet);
            }
            else learner = learner.WithSplits(trainSet, validationSet, testSet);
            if (parse.GetValue(tta) is int views and not 0)
                learner = views > 0 ? learner.WithTestTimeAugmentation(views)
                    : throw new ArgumentException($"--tta {views}: give the number of augmented views, e.g. 4, or 0 for none.");
            if (parse.GetValue(checkpoints) is { } checkpointDirectory) learner = learner.WithCheckpoints(checkpointDirectory);
            if (parse.GetValue(imageSize) is int side)
                learner = learner.WithPreprocessing(model.Preprocessing with { Width = side, Height = side });

            // the options' own defaults, overridden only by the flags the user gave
            int? epochCount = parse.GetValue(epochs), batchSize = parse.GetValue(batch);
            double? lr = parse.GetValue(learningRate);
            string modeName = parse.GetValue(mode)!;
            if (modeName != "finetune" && parse.GetValue(unfreeze) is not null)
                throw new ArgumentException($"--unfreeze applies to --mode finetune only (this run: --mode {modeName}).");
            if (modeName != "features" && parse.GetValue(headKind) is { } head)
                throw new ArgumentException($"--head {head} applies to --mode features only (this run: --mode {modeName}).");
            if (modeName != "finetune" && parse.GetValue(headLearningRate) is not null)
                throw new ArgumentException($"--head-lr applies to --mode finetune only (this run: --mode {modeName}); use --lr.");
            double? emaHalfLife = parse.GetValue(ema), mixUpAlpha = parse.GetValue(mixUp), cutMixAlpha = parse.GetValue(cutMix);
            if (modeName is not ("finetune" or "scratch") && mixUpAlpha is not null)
                throw new ArgumentException($"--mixup applies to --mode finetune and scratch only (this run: --mode {modeName}).");
            if (modeName is not ("finetune" or "scratch") && cutMixAlpha is not null)
                throw new ArgumentException($"--cutmix applies to --mode finetune and scratch only (this run: --mode {modeName}).");
            if (cutMixAlpha is double c && !(c >= 0 && !double.IsInfinity(c)))
                throw new ArgumentException($"--cutmix takes the α of Beta(α, α), 0 or above (was {c}), e.g. --cutmix 1.");
            if (emaHalfLife is double h && !(h > 0 && !double.IsInfinity(h)))
                throw new ArgumentException($"--ema takes a half-life in epochs above 0 (was {h}), e.g. --ema 1.");
            if (mixUpAlpha is double m && !(m >= 0 && !double.IsInfinity(m)))
                throw new ArgumentException($"--mixup takes the α of Beta(α, α), 0 or above (was {m}), e.g. --mixup 0.2.");
            if (modeName is not ("finetune" or "scratch") && emaHalfLife is not null)
                throw new ArgumentException($"--ema applies to --mode finetune and scratch only (this run: --mode {modeName}).");
            if (modeName == "auto" && (epochCount is not null || batchSize is not null || lr is not null))
                throw new ArgumentException("--mode auto tries each candidate recipe with its own defaults: leave out --epochs, --batch-size and --lr, or choose --mode features, finetune or scratch.");
            FeatureExtractionOptions features = new();
            ScratchOptions scratch = new();
            FineTuneOptions fineTune = new();
            learner = modeName switch
            {
                "features" => learner.ExtractFeatures(features with
                {
                    Epochs = epochCount ?? features.Epochs, LearningRate = lr ?? features.LearningRate,
                    BatchSize = batchSize ?? features.BatchSize,
                    HeadKind = parse.GetValue(headKind) switch
                    {
                        "linear" => FeatureHeadKind.LogisticRegression,
                        "neural" => FeatureHeadKind.Neural,
                        _ => features.HeadKind,
                    },
                }),
                "auto" => learner.Auto(),
                "scratch" => learner.TrainFromScratch(scratch with
                {
                    Epochs = epochCount ?? scratch.Epochs, LearningRate = lr ?? scratch.LearningRate, BatchSize = batchSize ?? scratch.BatchSize,
                    EmaHalfLifeEpochs = emaHalfLife, MixUpAlpha = mixUpAlpha ?? scratch.MixUpAlpha, CutMixAlpha = cutMixAlpha ?? scratch.CutMixAlpha,
                }),
                _ => learner.FineTune(fineTune with
                {
                    Epochs = epochCount ?? fineTune.Epochs, UnfreezeLastBlocks = parse.GetValue(unfreeze) ?? fineTune.UnfreezeLastBlocks,
                    BatchSize = batchSize ?? fineTune.BatchSize, FineTuneLearningRate = lr ?? fineTune.FineTuneLearningRate,
                    LearningRate = parse.GetValue(headLearningRate) ?? fineTune.LearningRate,
                    EmaHalfLifeEpochs = emaHalfLife, MixUpAlpha = mixUpAlpha ?? fineTune.MixUpAlpha, CutMixAlpha = cutMixAlpha ?? fineTune.CutMixAlpha,
                }),
            };

            var input = parse.GetValue(imageSize) is int size ? model.Preprocessing with { Width = size, Height = size } : model.Preprocessing;
            CommandRunner.Info($"Training [bold]{modeName}[/] on {Markup.Escape(model.Name)}, input {input.Width}×{input.Height}");
            CommandRunner.Info(Markup.Escape($"Backbone {model.Name}: {model.FeatureTensorDescription}; input {input.Describe()}"));
            if (foldCount is int k)
            {
                CommandRunner.Info($"Cross-validation: {k} folds before the final training");
                var crossValidation = TrainingProgressDisplay.Run(progress => learner.CrossValidate(k, progress, token));
                RunOutput.WriteCrossValidation(outDirectory, crossValidation);
            }
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
            catch (TransferLearning.ML.Onnx.OnnxModuleException e)
            {
                // fine-tuning compiles the backbone into a TorchSharp module: say which file could not be compiled
                string file = backbone.Named(parse);
                throw new TransferLearning.ML.Onnx.OnnxModelException(
                    e.Message.Contains(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}", file, innerException: e);
            }
            if (result.Auto is { } auto)
            {
                foreach (var trial in auto.Trials)
                    CommandRunner.Info(trial.Failure is not null ? Markup.Escape($"Auto trial: {trial.Description}: left out ({trial.Failure})") :Markup.Escape(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"Auto trial: {trial.Description}: validation log-loss {trial.ValidationLogLoss:F4}, accuracy {trial.ValidationAccuracy:F4}, {trial.Elapsed.TotalSeconds:F0} s")));
                CommandRunner.Info(Markup.Escape($"Auto chose {auto.Reason}"));
            }
            RunOutput.Write(outDirectory, result);
            return ExitCodes.Success;
        }, cancellationToken)));
        return command;
    }
}
