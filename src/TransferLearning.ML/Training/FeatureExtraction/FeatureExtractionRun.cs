using System.Diagnostics;
using Google.Protobuf;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Feature extraction: ONNX Runtime computes (or the cache supplies) frozen features; a head is trained on them,
/// by AdamW epochs (<see cref="FeatureHeadTrainer"/>) or by ML.NET's L-BFGS logistic regression
/// (<see cref="LogisticRegressionHeadTrainer"/>).
/// </summary>
internal static class FeatureExtractionRun
{
    public static RunOutcome Execute(RunContext context, FeatureExtractionOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        HeadOptions head = options.Head;
        var backbone = context.Backbone;
        var clock = Stopwatch.StartNew();
        // Pool spatial maps inside ONNX Runtime so that the cache holds C floats per image, not C·H·W.
        bool pool = backbone.Features.Kind == FeatureKind.Spatial && head.Pooling == HeadPooling.GlobalAverage;
        FineTuneRun.CheckHeadFitsInputSize(context, head);
        if (options.HeadKind == FeatureHeadKind.LogisticRegression && head.Layers.Any(l => l is HeadLayer.DenseLayer))
            throw new ArgumentException("FeatureHeadKind.LogisticRegression fits a linear head: drop the hidden dense layers " +
                                        "(HeadOptions.Linear) or use FeatureHeadKind.Neural.");
        OnnxModel features = backbone.FeatureGraphFor(context.Preprocessing.Height, context.Preprocessing.Width);
        OnnxModel graph = pool ? WithGlobalAveragePool(features) : features;
        OnnxRuntimeFeatureExtractor ort;
        try
        {
            ort = new OnnxRuntimeFeatureExtractor(graph, new OnnxRuntimeOptions { IntraOpThreads = context.Threads });
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            throw new OnnxModelException(
                $"ONNX Runtime refuses the feature graph of {backbone.Name} (cut at {backbone.Features.Name}), so no feature can be " +
                $"extracted: {e.Message}", innerException: e);
        }
        using var _ = ort;
        int rank = ort.FeatureShape.Length + 1;
        OnnxModel exported = rank is 2 or 4 ? graph : Flattened(graph);
        int exportedRank = rank is 2 or 4 ? rank : 2;
        // preflight, before the (long) extraction: one training batch, and the classifier graph the run will export
        // (with an untrained head of the same shape) opened in ONNX Runtime and run on one image
        using (var preflightLoader = context.TrainLoader(options.ExtractionBatchSize))
        using (var untrained = new ClassifierHead([ort.FeatureLength], context.ClassNames.Count, head with { Pooling = HeadPooling.Flatten }, context.Seed))
            RunPreflight.CheckClassifier(context, exported.Proto, untrained, exportedRank, graph.Inputs[0].Name,
                RunPreflight.ReadOneBatch(preflightLoader, cancellationToken),
                $"ONNX Runtime session of the feature graph of {backbone.Name} opened ({ort.FeatureLength} features per image)");
        var cache = new FeatureCache(options.CacheDirectory ?? FeatureCache.DefaultRoot(), backbone.Sha256,
            PreprocessingKey(context), pool ? "gap:" + backbone.Features.Name : backbone.Features.Name, ort.FeatureLength);
        var extractor = new FeatureExtractor(ort, cache, context.Preprocessing, options.ExtractionBatchSize, context.Seed, context.Logger,
            context.LoaderOptions(options.ExtractionBatchSize), context.Skipped);

        int views = 1 + (context.Augmentation.IsEmpty ? 0 : options.AugmentedViews);
        var train = extractor.Extract(context.Splits.Train, views, context.Augmentation, "train", progress, cancellationToken);
        var (fromCache, computed) = extractor.LastCounts;
        var validation = context.Splits.Validation.Count == 0 ? null
            : extractor.Extract(context.Splits.Validation, 1, null, "validation", progress, cancellationToken);
        if (validation is not null) (fromCache, computed) = (fromCache + extractor.LastCounts.FromCache, computed + extractor.LastCounts.Computed);
        TimeSpan extraction = clock.Elapsed;

        using var classifier = new ClassifierHead([ort.FeatureLength], context.ClassNames.Count, head with { Pooling = HeadPooling.Flatten }, context.Seed);
        var run = options.HeadKind == FeatureHeadKind.LogisticRegression
            ? new LogisticRegressionHeadTrainer(options, context.ClassNames, context.Logger)
                .Run(classifier, train, validation, context.ClassWeights, context.Seed, context.Threads, progress, cancellationToken)
            : new FeatureHeadTrainer(options, context.ClassNames, context.Logger)
                .Run(classifier, train, validation, context.ClassWeights, context.Seed, progress, cancellationToken);

        var model = ClassifierGraphBuilder.Append(exported.Proto, classifier, featureRank: exportedRank);
        return new RunOutcome(model.ToByteArray(), graph.Inputs[0].Name, run, extraction,
            new FeatureCacheStatistics(fromCache, computed, cache.Directory));
    }

    private static string PreprocessingKey(RunContext context)
    {
        var p = context.Preprocessing;
        return $"{p.Width}x{p.Height}|{p.ResizeMode}|{string.Join(",", p.Normalization.Mean)}|{string.Join(",", p.Normalization.Std)}|{p.ChannelOrder}|{p.Channels}|aug:{context.Augmentation}|seed:{context.Seed}"
            // augmented views are seeded by image content since issue #17: views cached by the old scheme are not reused
            + (context.Augmentation.IsEmpty ? "" : "|views:content");
    }

    private static OnnxModel WithGlobalAveragePool(OnnxModel model) => AppendToOutput(model, "GlobalAveragePool", "features/gap");

    private static OnnxModel Flattened(OnnxModel model) => AppendToOutput(model, "Flatten", "features/flatten");

    private static OnnxModel AppendToOutput(OnnxModel model, string op, string name)
    {
        var proto = model.Proto.Clone();
        var output = proto.Graph.Output[0];
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(output.Name);
        node.Output.Add(name);
        proto.Graph.Node.Add(node);
        proto.Graph.Output.Clear();
        proto.Graph.Output.Add(new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });
        return OnnxModel.FromBytes(proto.ToByteArray());
    }
}
