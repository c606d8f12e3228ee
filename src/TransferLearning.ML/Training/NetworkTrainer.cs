using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using TransferLearning.ML.Training.Optimization;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// Trains a <see cref="TransferNetwork"/> phase by phase (head only, then the last blocks; or everything from
/// scratch): one optimiser and schedule per phase, validation after every epoch, best-epoch selection, early
/// stopping, an atomic checkpoint per epoch and resumption from it.
/// </summary>
internal sealed class NetworkTrainer
{
    /// <summary>One training phase.</summary>
    public sealed record Phase(string Name, int Epochs, int UnfrozenBlocks, double LearningRate);

    private readonly TransferNetwork _network;
    private readonly DataPlan _data;
    private readonly FineTuneOptions _options;
    private readonly ILogger _logger;
    private readonly Func<int, string, FrozenPrefix?>? _prefixFor;
    private readonly MixUp? _mixUp;
    private (int Torch, int Onnx) _splitThreads;

    // prefixFor, split execution: the frozen prefix for a phase with that many frozen blocks (and that name), or
    // null to run it all in TorchSharp; no function runs every phase all in TorchSharp
    public NetworkTrainer(TransferNetwork network, DataPlan data, FineTuneOptions options, ILogger logger,
        Func<int, string, FrozenPrefix?>? prefixFor = null)
    {
        _network = network;
        _data = data;
        _options = options;
        _logger = logger;
        _prefixFor = prefixFor;
        _mixUp = options.MixUpAlpha > 0 || options.CutMixAlpha > 0 ? new MixUp(options.MixUpAlpha, options.CutMixAlpha) : null;
    }

    public NetworkRun Run(IReadOnlyList<Phase> phases, int seed, string? checkpointDirectory, string fingerprint,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _splitThreads = _options.SplitThreadsFor(get_num_threads());
        int totalEpochs = phases.Sum(p => p.Epochs);
        string? checkpointPath = checkpointDirectory is null ? null : Path.Combine(checkpointDirectory, TrainingCheckpoint.FileName);
        using var classWeights = _data.ClassWeights is null ? null : tensor(_data.ClassWeights);
        var selection = new EpochSelection(_options.EarlyStopping, _options.Schedule);

        // where an earlier, interrupted run of the same plan stopped; its state is loaded with the optimiser of the
        // phase it was written in (or, when that run had finished every phase, after the loop)
        TrainingCheckpoint.State? resumed = checkpointPath is not null && File.Exists(checkpointPath)
            ? TrainingCheckpoint.Peek(checkpointPath, fingerprint)
            : null;
        int resumeFrom = resumed?.CompletedEpochs ?? 0;
        bool stoppedBeforeResume = resumed?.Stopped ?? false;
        bool loaded = false;
        void LoadCheckpoint(OptimizerHelper? optimizer, WeightAverage? average)
        {
            var state = TrainingCheckpoint.Load(checkpointPath!, fingerprint, _network, optimizer, average, out byte[]? bestWeights);
            selection.Resume(state, bestWeights);
            loaded = true;
            _logger.LogInformation("Resumed from {Checkpoint} after epoch {Epoch}", checkpointPath, state.CompletedEpochs);
        }

        int epochBase = 0;
        foreach (Phase phase in phases)
        {
            int phaseEnd = epochBase + phase.Epochs;
            // a resumed run whose checkpoint was written when early stopping ended this phase goes on with the next
            bool stoppedInThisPhase = stoppedBeforeResume && resumeFrom > epochBase && resumeFrom <= phaseEnd;
            if (phase.Epochs == 0 || resumeFrom >= phaseEnd || stoppedInThisPhase)
            {
                if (stoppedInThisPhase) stoppedBeforeResume = false;
                epochBase = phaseEnd;
                continue;
            }
            stoppedBeforeResume = false;
            int unfrozen = Math.Min(phase.UnfrozenBlocks, _network.Backbone.Blocks.Count);
            _network.Backbone.FreezeAllButLastBlocks(unfrozen);
            var groups = ParameterGroups(phase, unfrozen);
            using var optimizer = OptimizerFactory.Create(_options.Optimizer, groups);
            // each phase has its own patience; a run resumed in the middle of this phase keeps the count it had
            bool resumesWithinPhase = resumed is not null && !loaded && resumeFrom > epochBase;
            if (resumed is not null && !loaded && !resumesWithinPhase) LoadCheckpoint(null, null);
            // the phase's weight average (EmaHalfLifeEpochs) starts from the weights the phase starts with, or
            // continues the checkpoint's
            using var average = WeightAverage.For(_options, groups.SelectMany(g => g.Parameters).ToList(), _data.TrainBatches);
            if (resumesWithinPhase) LoadCheckpoint(optimizer, average);
            if (!resumesWithinPhase) selection.StartPhase();

            // the phase's frozen blocks in ONNX Runtime (split execution), for its training and validation passes,
            // their output kept after the first epoch where every epoch sees the same pixels
            using FrozenPrefix? prefix = _prefixFor?.Invoke(_network.Backbone.Blocks.Count - unfrozen, phase.Name);
            _network.Prefix = prefix;
            if (prefix is not null && _options.PipelineFrozenBlocks)
                _logger.LogInformation("Phase {Phase}: the frozen blocks run one batch ahead on their own thread (pipelined), {Torch} libtorch and {Onnx} ONNX Runtime threads",
                    phase.Name, _splitThreads.Torch, _splitThreads.Onnx);
            var (trainCache, validationCache) = Caches(prefix, phase.Name);
            using var keptTrain = trainCache;
            using var keptValidation = validationCache;
            var plan = new EpochPlan(phase, totalEpochs, _data.TrainBatches, optimizer, groups, classWeights, trainCache, validationCache, average,
                MixUpBlock(unfrozen, phase.Name));
            try
            {
                for (int e = Math.Max(0, resumeFrom - epochBase); e < phase.Epochs; e++)
                {
                    int epoch = epochBase + e + 1;
                    torch.random.manual_seed(seed * 7919L + epoch);
                    var metrics = RunEpoch(plan, e, epoch, selection.PlateauFactor, progress, cancellationToken);
                    bool stop;
                    // the epoch's model is the weight average where there is one: it is what was validated and what is kept
                    using (average?.SwappedIn())
                        stop = selection.Record(metrics, _data.ValidationLoader is not null, () => TrainingCheckpoint.Snapshot(_network));
                    // the phase ends with the average in the network (the next phase starts from it); the checkpoint
                    // keeps the trained weights and the average apart until then
                    if (stop || e == phase.Epochs - 1) average?.CopyIntoNetwork();
                    if (checkpointPath is not null)
                        TrainingCheckpoint.Save(checkpointPath, selection.ToCheckpoint(fingerprint, epoch), _network, optimizer, selection.BestWeights, average);
                    progress?.Report(new TrainingProgress(phase.Name, epoch, totalEpochs, plan.StepsPerEpoch, plan.StepsPerEpoch, metrics.TrainLoss,
                        0, Remaining(clock, epoch - resumeFrom, totalEpochs - epoch), metrics));
                    if (stop)
                    {
                        _logger.LogInformation("Early stop after epoch {Epoch}: validation {Metric} did not improve for {Patience} epochs",
                            epoch, _options.EarlyStopping.Monitor, _options.EarlyStopping.Patience);
                        break;
                    }
                }
            }
            finally
            {
                _network.Prefix = null;
            }
            epochBase = phaseEnd;
        }
        if (resumed is not null && !loaded) LoadCheckpoint(null, null); // the checkpoint's run had already finished

        return Finish(phases, selection, clock.Elapsed);
    }

    /// <summary>What every epoch of one phase shares: its optimiser, parameter groups and schedule length.</summary>
    private sealed record EpochPlan(Phase Phase, int TotalEpochs, int StepsPerEpoch, OptimizerHelper Optimizer,
        IReadOnlyList<ParameterGroup> Groups, Tensor? ClassWeights, PrefixCache? TrainCache, PrefixCache? ValidationCache, WeightAverage? Average,
        int? MixUpBlock);

    // with MixUp, the block whose input is mixed: the first trainable one (where the network narrows to one tensor
    // before it), else null and the images are mixed
    private int? MixUpBlock(int unfrozen, string phase)
    {
        if (_mixUp is null) return null;
        int block = _network.Backbone.Blocks.Count - unfrozen;
        if (block == 0 || _network.Backbone.CanStartAt(block) is null) return block;
        _logger.LogInformation("Phase {Phase}: MixUp mixes the images: {Reason}", phase, _network.Backbone.CanStartAt(block));
        return null;
    }

    // the prefix cache of a split phase: every training and validation image, or none
    private (PrefixCache? Train, PrefixCache? Validation) Caches(FrozenPrefix? prefix, string phase)
    {
        if (prefix is null || _options.FrozenOutputCacheBytes == 0) return (null, null);
        // augmented training images differ every epoch: kept only as K views (CachedAugmentedViews), reused in turn
        int views = 1;
        bool augmented = _data.TrainLoader.Options.Augmentation is { IsEmpty: false };
        if (augmented)
        {
            if (_options.CachedAugmentedViews == 0)
            {
                _logger.LogInformation("Phase {Phase}: the frozen blocks' output is not cached: the training images are augmented", phase);
                return (null, null);
            }
            views = _options.CachedAugmentedViews;
        }
        long[] shape = prefix.BoundaryShape;
        int validation = _data.ValidationLoader is null ? 0 : _data.ValidationCount;
        long bytes = PrefixCache.BytesFor(_data.TrainCount, shape) * views + PrefixCache.BytesFor(validation, shape);
        int images = _data.TrainCount * views + validation;
        string what = $"{bytes / 1e6:F0} MB for {_data.TrainCount + validation} images" + (augmented ? $" ({views} augmented view(s) of each training image)" : "");
        // in memory within its budget, else in a scratch file within the disk budget, else not at all
        bool inMemory = bytes <= _options.FrozenOutputCacheBytes;
        string? whyNotOnDisk = null;
        string folder = _options.FrozenOutputCacheDirectory ?? Path.GetTempPath();
        Func<int, long, BoundaryStore?>? store = inMemory ? BoundaryStore.InMemory
            : bytes <= _options.FrozenOutputDiskCacheBytes ? (n, perImage) => BoundaryStore.OnDisk(folder, n, perImage, out whyNotOnDisk)
            : null;
        PrefixCache? train = store is null ? null : PrefixCache.TryCreate(_data.TrainLoader, _data.TrainCount, shape, views, store);
        PrefixCache? validating = train is null || _data.ValidationLoader is null ? null : PrefixCache.TryCreate(_data.ValidationLoader, validation, shape, 1, store!);
        if (train is null || _data.ValidationLoader is not null && validating is null)
        {
            train?.Dispose();
            string reason = whyNotOnDisk is not null ? $"above FrozenOutputCacheBytes ({_options.FrozenOutputCacheBytes / 1e6:F0} MB), and the disk cannot take it: {whyNotOnDisk}"
                : inMemory ? "more floats than one array holds"
                : $"above FrozenOutputCacheBytes ({_options.FrozenOutputCacheBytes / 1e6:F0} MB) and FrozenOutputDiskCacheBytes ({_options.FrozenOutputDiskCacheBytes / 1e6:F0} MB)";
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output is not cached: {What}, {Reason}", phase, what, reason);
            return (null, null);
        }
        string where = inMemory ? "" : $", on disk in {folder} (above FrozenOutputCacheBytes, {_options.FrozenOutputCacheBytes / 1e6:F0} MB)";
        if (augmented)
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output ('{Boundary}', [{Shape}] per image) of {Views} augmented view(s) of each training image is kept: " +
                "the phase's first {Views} epoch(s) compute them, epoch e reuses view e mod {Views} after that (less augmentation diversity); {Megabytes:F0} MB for {Images} images{Where}",
                phase, prefix.Boundary, string.Join(",", shape), views, views, views, bytes / 1e6, _data.TrainCount + validation, where);
        else
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output ('{Boundary}', [{Shape}] per image) is kept after the first epoch: {Megabytes:F0} MB for {Images} images{Where}",
                phase, prefix.Boundary, string.Join(",", shape), bytes / 1e6, images, where);
        return (train, validating);
    }

    // one epoch: training, then validation, then the log line
    private EpochMetrics RunEpoch(EpochPlan plan, int phaseEpoch, int epoch, double plateauFactor, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var epochClock = Stopwatch.StartNew();
        var (trainLoss, trainAccuracy, trainImages) = TrainEpoch(plan, phaseEpoch, epoch, plateauFactor, progress, cancellationToken);
        double trainSeconds = epochClock.Elapsed.TotalSeconds;
        ValidationResult validation;
        using (plan.Average?.SwappedIn())
            validation = _data.ValidationLoader is null ? ValidationResult.None : Validate(plan.ValidationCache, cancellationToken);
        double lr = plan.Optimizer.ParamGroups.Last().LearningRate;
        var metrics = new EpochMetrics(epoch, plan.Phase.Name, trainLoss, trainAccuracy, validation.Loss,
            validation.Accuracy, validation.RocAuc, lr, epochClock.Elapsed.TotalSeconds, trainSeconds, trainImages);
        _logger.LogInformation(
            "Epoch {Epoch}/{Total} ({Phase}): loss {Loss:F4} acc {Accuracy:F4} | val loss {ValLoss:F4} acc {ValAccuracy:F4} auc {ValAuc:F4} | {Seconds:F1}s (training {TrainSeconds:F1}s, {ImagesPerSecond:F1} img/s)",
            epoch, plan.TotalEpochs, plan.Phase.Name, trainLoss, trainAccuracy, validation.Loss, validation.Accuracy, validation.RocAuc,
            metrics.Seconds, metrics.TrainSeconds, metrics.TrainImagesPerSecond);
        // the epoch's freed tensors leave the native heap fragmented; its free pages go back before the next epoch
        Runtime.NativeAllocator.ReleaseFreeMemory();
        return metrics;
    }

    // the best epoch's weights back in the network (when asked for), every block frozen, evaluation mode
    private NetworkRun Finish(IReadOnlyList<Phase> phases, EpochSelection selection, TimeSpan elapsed)
    {
        _network.Backbone.FreezeAllButLastBlocks(0);
        if (selection.BestWeights is not null && _options.EarlyStopping.RestoreBestWeights) TrainingCheckpoint.Restore(_network, selection.BestWeights);
        _network.eval();
        Runtime.NativeAllocator.ReleaseFreeMemory();
        var history = selection.History;
        var summary = PhaseSummary.From(phases.Select(p => (p.Name, p.Epochs)), history);
        if (summary.Any(p => p.StoppedEarly) && history.FirstOrDefault(e => e.Epoch == selection.BestEpoch) is { } kept)
            _logger.LogInformation("Phases: {Phases}; the model keeps epoch {Epoch} ({Phase})",
                string.Join(", ", summary.Select(p => $"{p.Name} {p.EpochsRun}/{p.PlannedEpochs} epochs")), selection.BestEpoch, kept.Phase);
        return new NetworkRun(history.ToList(), selection.BestEpoch, summary.Any(p => p.StoppedEarly), elapsed, summary);
    }

    private (double Loss, double Accuracy, int Images) TrainEpoch(EpochPlan plan, int phaseEpoch, int epoch, double plateauFactor,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        _network.train();
        var trainable = plan.Groups.SelectMany(g => g.Parameters).ToList();
        double lossSum = 0;
        long correct = 0, seen = 0;
        var epochClock = Stopwatch.StartNew();
        // each batch's input of the trainable part and its labels, made in the step's dispose scope, and the forward
        // pass from that input: the boundary that the pipelined prefix computed ahead on its own thread, the cached
        // prefix output, the prefix's output computed here, or the images (all in TorchSharp; with MixUp, the images
        // through the frozen blocks, so that every path mixes the same tensor)
        IEnumerable<TrainingBatch> batches;
        int view = plan.TrainCache?.ViewOf(phaseEpoch) ?? 0;
        var pipelined = Pipelined(plan.TrainCache, epoch, view, cancellationToken);
        Func<Tensor, Tensor> fromBoundary = _network.ForwardFromBoundary;
        if (pipelined is not null)
            batches = pipelined.Select(item => new TrainingBatch(() => (item.Take(), tensor(item.Labels, ScalarType.Int64)), fromBoundary, item.Count));
        else if (plan.TrainCache is { } cache)
            batches = cache.Epoch(_data.TrainLoader, epoch, cancellationToken, view).Select(item => new TrainingBatch(
                () => (cache.BoundaryOf(item, _network.Prefix!), tensor(cache.LabelsOf(item), ScalarType.Int64)), fromBoundary, item.Count));
        else if (_network.Prefix is { } prefix)
            // ONNX Runtime reads the loader's buffer where it is: the images are never copied into a tensor
            batches = _data.TrainLoader.ReadEpoch(epoch, cancellationToken).Select(batch => new TrainingBatch(
                () => (prefix.Run(batch.Pixels.Span, batch.Count), BatchTensors.LabelsOf(batch)), fromBoundary, batch.Count));
        else if (_network.Prefix is null && _mixUp is not null && plan.MixUpBlock is int block)
            batches = _data.TrainLoader.ReadEpoch(epoch, cancellationToken).Select(batch => new TrainingBatch(() =>
            {
                var (images, labels) = BatchTensors.From(batch);
                return (_network.InputOfBlock(block, images), labels);
            }, input => _network.ForwardFromBlock(block, input), batch.Count));
        else
            batches = _data.TrainLoader.ReadEpoch(epoch, cancellationToken).Select(batch => new TrainingBatch(
                () => BatchTensors.From(batch), _network.forward, batch.Count));
        // an epoch that runs the prefix: libtorch's share of the threads (pipelined, the two engines run at once)
        bool runsPrefix = _network.Prefix is not null && (plan.TrainCache is not { } c || !c.IsComplete(view));
        using (runsPrefix ? TorchThreads(_splitThreads.Torch) : null)
            TrainBatches(plan, batches, trainable, phaseEpoch, epoch, plateauFactor, progress, cancellationToken,
                ref lossSum, ref correct, ref seen, epochClock);
        return seen == 0 ? (double.NaN, double.NaN, 0) : (lossSum / seen, (double)correct / seen, (int)seen);
    }

    /// <summary>
    /// The epoch's batches with the frozen prefix pipelined (<see cref="FineTuneOptions.PipelineFrozenBlocks"/>):
    /// the uncached split path and the pass that fills a prefix cache; null where the epoch is not pipelined.
    /// </summary>
    private IEnumerable<PrefixPipeline.Item>? Pipelined(PrefixCache? cache, int epoch, int view, CancellationToken cancellationToken)
    {
        if (_network.Prefix is not { } prefix || !_options.PipelineFrozenBlocks) return null;
        if (cache is null) return PrefixPipeline.Run(_data.TrainLoader.ReadEpoch(epoch, cancellationToken), prefix, PipelineDepth, null, cancellationToken);
        return cache.IsComplete(view) ? null : cache.FirstPassPipelined(_data.TrainLoader, epoch, prefix, PipelineDepth, cancellationToken, view);
    }

    /// <summary>libtorch's intra-op threads set to <paramref name="threads"/> until disposed (then the previous count).</summary>
    private static IDisposable? TorchThreads(int threads)
    {
        int previous = get_num_threads();
        if (previous == threads) return null;
        set_num_threads(threads);
        return new Restore(() => set_num_threads(previous));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    // batches the prefix may run ahead of the step: one in the queue, one being computed
    private const int PipelineDepth = 1;

    /// <summary>One training batch: its input to the trainable part and labels, read in the step's dispose scope, and
    /// the forward pass from that input to the logits.</summary>
    private sealed record TrainingBatch(Func<(Tensor Input, Tensor Labels)> Read, Func<Tensor, Tensor> Forward, int Count);

    private void TrainBatches(EpochPlan plan, IEnumerable<TrainingBatch> batches, List<Parameter> trainable,
        int phaseEpoch, int epoch, double plateauFactor, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken,
        ref double lossSum, ref long correct, ref long seen, Stopwatch epochClock)
    {
        int stepsPerEpoch = plan.StepsPerEpoch;
        int batchNumber = 0, totalSteps = stepsPerEpoch * plan.Phase.Epochs;
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double factor = _options.Schedule.Factor(phaseEpoch * stepsPerEpoch + batchNumber, totalSteps, phaseEpoch) * plateauFactor;
            OptimizerFactory.SetLearningRates(plan.Optimizer, plan.Groups, factor);
            using (var scope = NewDisposeScope())
            {
                var (input, labels) = batch.Read();
                Tensor logits, loss;
                Tensor CrossEntropy(Tensor targets) =>
                    nn.functional.cross_entropy(logits, targets, plan.ClassWeights, label_smoothing: _options.LabelSmoothing);
                if (_mixUp is not null)
                {
                    var (mixed, order, lambda) = _mixUp.Mix(input);
                    logits = batch.Forward(mixed);
                    loss = MixUp.Loss(CrossEntropy, labels, order, lambda) + _network.Head.L2Penalty();
                }
                else
                {
                    logits = batch.Forward(input);
                    loss = CrossEntropy(labels) + _network.Head.L2Penalty();
                }
                plan.Optimizer.zero_grad();
                loss.backward();
                if (_options.GradientClipNorm is double clip) nn.utils.clip_grad_norm_(trainable, clip);
                plan.Optimizer.step();
                plan.Average?.Update();
                lossSum += loss.item<float>() * batch.Count;
                correct += logits.argmax(1).eq(labels).sum().item<long>();
                seen += batch.Count;
            }
            batchNumber++;
            double imagesPerSecond = seen / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds);
            progress?.Report(new TrainingProgress(plan.Phase.Name, epoch, plan.TotalEpochs, batchNumber, stepsPerEpoch, lossSum / seen,
                imagesPerSecond, TimeSpan.FromSeconds((stepsPerEpoch - batchNumber + (plan.TotalEpochs - epoch) * stepsPerEpoch) * batch.Count / Math.Max(1e-9, imagesPerSecond)), null));
        }
    }

    private ValidationResult Validate(PrefixCache? cache, CancellationToken cancellationToken)
    {
        NetworkPredictions predictions;
        if (cache is null && _network.Prefix is { } prefix && _options.PipelineFrozenBlocks)
        {
            _network.eval();
            var batches = PrefixPipeline.Run(_data.ValidationLoader!.ReadEpoch(0, cancellationToken), prefix, PipelineDepth, null, cancellationToken)
                .Select(item => new NetworkPredictions.Batch(() => _network.ForwardFromBoundary(item.Take()), item.Labels, item.Samples, item.Count));
            using (TorchThreads(_splitThreads.Torch))
                predictions = NetworkPredictions.Collect(batches, _data.ClassNames.Count, _data.ValidationCount, cancellationToken);
        }
        else if (cache is null && _network.Prefix is { } split)
        {
            _network.eval();
            var batches = _data.ValidationLoader!.ReadEpoch(0, cancellationToken).Select(batch => new NetworkPredictions.Batch(
                () => _network.ForwardFromBoundary(split.Run(batch.Pixels.Span, batch.Count)), batch.Labels, batch.SampleIndices, batch.Count));
            predictions = NetworkPredictions.Collect(batches, _data.ClassNames.Count, _data.ValidationCount, cancellationToken);
        }
        else if (cache is null)
            predictions = NetworkPredictions.Run(_network, _data.ValidationLoader!, _data.ClassNames.Count, _data.ValidationCount, cancellationToken);
        else
        {
            _network.eval();
            var batches = cache.Epoch(_data.ValidationLoader!, 0, cancellationToken).Select(item => new NetworkPredictions.Batch(
                () => _network.ForwardFromBoundary(cache.BoundaryOf(item, _network.Prefix!)), cache.LabelsOf(item), item.Samples, item.Count));
            predictions = NetworkPredictions.Collect(batches, _data.ClassNames.Count, _data.ValidationCount, cancellationToken);
        }
        return ValidationResult.From(predictions.Labels, predictions.Probabilities, _data.ClassNames);
    }

    private List<ParameterGroup> ParameterGroups(Phase phase, int unfrozen)
    {
        var groups = new List<ParameterGroup>();
        int blockCount = _network.Backbone.Blocks.Count;
        for (int i = 0; i < unfrozen; i++)
        {
            int block = blockCount - unfrozen + i;
            // geometric spacing from lr/factor (first unfrozen block) to lr (last block)
            double position = unfrozen == 1 ? 1 : (double)i / (unfrozen - 1);
            double rate = phase.LearningRate * Math.Pow(_options.DiscriminativeFactor, position - 1);
            var parameters = _network.Backbone.TrainableParameters(block);
            if (parameters.Count > 0)
                groups.Add(new ParameterGroup($"block {block}", parameters, rate, _options.WeightDecay));
        }
        groups.Add(new ParameterGroup("head", _network.Head.parameters().ToList(), phase.LearningRate, _options.WeightDecay));
        return groups;
    }

    private static TimeSpan Remaining(Stopwatch clock, int epochsDone, int epochsLeft) =>
        epochsDone <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / epochsDone * epochsLeft);
}

/// <summary>The outcome of <see cref="NetworkTrainer.Run"/>.</summary>
internal sealed record NetworkRun(IReadOnlyList<EpochMetrics> History, int BestEpoch, bool StoppedEarly, TimeSpan Elapsed,
    IReadOnlyList<PhaseSummary> Phases);
