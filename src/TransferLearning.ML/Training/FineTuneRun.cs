using Google.Protobuf;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training;

/// <summary>Fine-tuning and training from scratch: the backbone as a TorchSharp module plus a new head.</summary>
internal static class FineTuneRun
{
    public static RunOutcome Execute(RunContext context, FineTuneOptions options, bool fromScratch,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var backbone = context.Backbone;
        var featureGraph = backbone.FeatureGraphFor(context.Preprocessing.Height, context.Preprocessing.Width);
        CheckHeadFitsInputSize(context, options.Head);
        using var module = OnnxModule.FromModel(featureGraph.Proto, new OnnxModuleOptions
        {
            TrainBatchNormStatistics = options.TrainBatchNormStatistics,
        });
        int blocks = module.Blocks.Count;
        if (!fromScratch && options.UnfreezeLastBlocks > blocks)
            throw new ArgumentException(
                $"UnfreezeLastBlocks = {options.UnfreezeLastBlocks}, but {backbone.Name} has {blocks} blocks up to its feature tensor; " +
                $"use a value from 0 (head only) to {blocks} (the whole backbone).");
        using var head = new ClassifierHead(backbone.Features.Shape, context.ClassNames.Count, options.Head, context.Seed);
        using var network = new TransferNetwork(module, head);
        using var data = new DataPlan
        {
            TrainLoader = context.TrainLoader(options.BatchSize),
            ValidationLoader = context.ValidationLoader(options.BatchSize),
            ClassNames = context.ClassNames,
            ClassWeights = context.ClassWeights,
            ValidationCount = context.Splits.Validation.Count,
            TrainCount = context.Splits.Train.Count,
        };
        if (module.IsQuantized && (fromScratch || options.UnfreezeLastBlocks > 0))
            throw new ArgumentException(
                $"{backbone.Name} is a quantised (int8) graph: its blocks can run frozen but their trained weights cannot be written back " +
                "into int8 operators. Use ExtractFeatures(), FineTune with UnfreezeLastBlocks = 0 (head only), or the float model.");
        // one read of epoch 0's first batch (epoch 0 is never trained on) serves the preflight and the initialisation
        using (var epochZero = data.TrainLoader.ReadEpoch(0, cancellationToken).GetEnumerator())
        {
            Data.ImageBatch? first = epochZero.MoveNext() ? epochZero.Current : null;
            // preflight: what the end of the run needs, built now (the classifier graph with the untrained head)
            RunPreflight.CheckClassifier(context, module.IsQuantized ? featureGraph.Proto : module.ToOnnx(), head,
                1 + backbone.Features.Shape.Length, module.InputName, first, $"TorchSharp module of {backbone.Name} built ({blocks} blocks)");
            if (fromScratch) Reinitialize(module, first, context);
        }
        NetworkTrainer.Phase[] phases = fromScratch
            ? [new("scratch", options.Epochs, int.MaxValue, options.LearningRate)]
            : [new("head", options.HeadEpochs, 0, options.LearningRate), new("finetune", options.Epochs, options.UnfreezeLastBlocks, options.FineTuneLearningRate)];
        // split execution: each phase's frozen blocks run in ONNX Runtime (never from scratch: nothing is frozen)
        Func<int, string, FrozenPrefix?>? prefixFor = options.FrozenBlocksInOnnxRuntime && !fromScratch
            ? (frozen, phase) => FrozenPrefix.TryCreate(featureGraph, module, frozen,
                options.SplitThreadsFor(context.Threads).Onnx, phase, context.Logger)
            : null;
        var trainer = new NetworkTrainer(network, data, options, context.Logger, prefixFor);
        NetworkRun run;
        try
        {
            run = trainer.Run(phases, context.Seed, context.CheckpointDirectory, context.Fingerprint, progress, cancellationToken);
        }
        catch (OnnxModuleException e) when (!backbone.IsNativeSize(context.Preprocessing))
        {
            throw new ArgumentException(
                $"{backbone.Name} cannot run at {context.Preprocessing.Width}×{context.Preprocessing.Height}: it was exported for " +
                $"{backbone.Preprocessing.Width}×{backbone.Preprocessing.Height} and has a layer of fixed size (e.g. an AveragePool with a " +
                "fixed kernel instead of a global pool). Use its own input size (leave out TransferLearner.WithPreprocessing's size, " +
                $"or tl train --image-size). {e.Message}", e);
        }

        // a quantised backbone trained nothing (checked above): its own graph goes into the classifier unchanged
        var trainedBackbone = module.IsQuantized ? featureGraph.Proto.Clone() : module.ToOnnx();
        var classifier = ClassifierGraphBuilder.Append(trainedBackbone, head, featureRank: 1 + backbone.Features.Shape.Length);
        return new RunOutcome(classifier.ToByteArray(), module.InputName, run, TimeSpan.Zero);
    }

    /// <summary>
    /// Fresh seeded weights; on a graph without BatchNormalization (batch norms folded into the convolutions at
    /// export) they are then scaled to unit output variance on one training batch, or the signal would vanish
    /// through a deep network and nothing would train.
    /// </summary>
    private static void Reinitialize(OnnxModule module, Data.ImageBatch? batch, RunContext context)
    {
        module.ReinitializeParameters(context.Seed);
        if (module.HasBatchNormalization) return;
        if (batch is not { Count: > 0 })
            throw new Data.ImageDataException(
                $"Training {context.Backbone.Name} from scratch needs one readable training batch to scale its fresh weights (LSUV), " +
                "but every image of the first batch was skipped as unreadable.");
        using var scope = TorchSharp.torch.NewDisposeScope();
        var (images, _) = BatchTensors.From(batch);
        int layers = module.ScaleInitializationToUnitVariance(images);
        context.Logger.LogInformation(
            "{Backbone} has no BatchNormalization: scaled the fresh weights of {Layers} layers to unit output variance on {Images} training images (LSUV)",
            context.Backbone.Name, layers, batch.Count);
    }

    /// <exception cref="ArgumentException">A flattening head on a spatial feature map at a non-native input size.</exception>
    internal static void CheckHeadFitsInputSize(RunContext context, HeadOptions head)
    {
        var backbone = context.Backbone;
        if (head.Pooling == HeadPooling.Flatten && backbone.Features.Kind == Onnx.FeatureKind.Spatial && !backbone.IsNativeSize(context.Preprocessing))
            throw new ArgumentException(
                $"A Flatten head reads {backbone.Name}'s {string.Join("×", backbone.Features.Shape)} feature map, whose size depends on the " +
                $"input size: use the backbone's {backbone.Preprocessing.Width}×{backbone.Preprocessing.Height} input, or HeadPooling.GlobalAverage.");
    }
}
