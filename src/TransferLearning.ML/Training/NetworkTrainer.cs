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
        void LoadCheckpoint(OptimizerHelper? optimizer)
        {
            var state = TrainingCheckpoint.Load(checkpointPath!, fingerprint, _network, optimizer, out byte[]? bestWeights);
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
            if (resumed is not null && !loaded) LoadCheckpoint(resumesWithinPhase ? optimizer : null);
            if (!resumesWithinPhase) selection.StartPhase();

            // the phase's frozen blocks in ONNX Runtime (split execution), for its training and validation passes,
            // their output kept after the first epoch where every epoch sees the same pixels
            using FrozenPrefix? prefix = _prefixFor?.Invoke(_network.Backbone.Blocks.Count - unfrozen, phase.Name);
            _network.Prefix = prefix;
            if (prefix is not null && _options.PipelineFrozenBlocks)
                _logger.LogInformation("Phase {Phase}: the frozen blocks run one batch ahead on their own thread (pipelined), {Torch} libtorch and {Onnx} ONNX Runtime threads",
                    phase.Name, _splitThreads.Torch, _splitThreads.Onnx);
            var (trainCache, validationCache) = Caches(prefix, phase.Name);
            var plan = new EpochPlan(phase, totalEpochs, _data.TrainBatches, optimizer, groups, classWeights, trainCache, validationCache);
            try
            {
                for (int e = Math.Max(0, resumeFrom - epochBase); e < phase.Epochs; e++)
                {
                    int epoch = epochBase + e + 1;
                    torch.random.manual_seed(seed * 7919L + epoch);
                    var metrics = RunEpoch(plan, e, epoch, selection.PlateauFactor, progress, cancellationToken);
                    bool stop = selection.Record(metrics, _data.ValidationLoader is not null, () => TrainingCheckpoint.Snapshot(_network));
                    if (checkpointPath is not null)
                        TrainingCheckpoint.Save(checkpointPath, selection.ToCheckpoint(fingerprint, epoch), _network, optimizer, selection.BestWeights);
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
        if (resumed is not null && !loaded) LoadCheckpoint(null); // the checkpoint's run had already finished

        return Finish(phases, selection, clock.Elapsed);
    }

    /// <summary>What every epoch of one phase shares: its optimiser, parameter groups and schedule length.</summary>
    private sealed record EpochPlan(Phase Phase, int TotalEpochs, int StepsPerEpoch, OptimizerHelper Optimizer,
        IReadOnlyList<ParameterGroup> Groups, Tensor? ClassWeights, PrefixCache? TrainCache, PrefixCache? ValidationCache);

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
        PrefixCache? train = bytes <= _options.FrozenOutputCacheBytes ? PrefixCache.TryCreate(_data.TrainLoader, _data.TrainCount, shape, views) : null;
        PrefixCache? validating = train is null || _data.ValidationLoader is null ? null : PrefixCache.TryCreate(_data.ValidationLoader, validation, shape);
        if (train is null || _data.ValidationLoader is not null && validating is null)
        {
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output is not cached: {Megabytes:F0} MB for {Images} images{Views}, above FrozenOutputCacheBytes ({Budget:F0} MB)",
                phase, bytes / 1e6, _data.TrainCount + validation, augmented ? $" ({views} augmented view(s) of each training image)" : "",
                _options.FrozenOutputCacheBytes / 1e6);
            return (null, null);
        }
        if (augmented)
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output ('{Boundary}', [{Shape}] per image) of {Views} augmented view(s) of each training image is kept: " +
                "the phase's first {Views} epoch(s) compute them, epoch e reuses view e mod {Views} after that (less augmentation diversity); {Megabytes:F0} MB for {Images} images",
                phase, prefix.Boundary, string.Join(",", shape), views, views, views, bytes / 1e6, _data.TrainCount + validation);
        else
            _logger.LogInformation("Phase {Phase}: the frozen blocks' output ('{Boundary}', [{Shape}] per image) is kept after the first epoch: {Megabytes:F0} MB for {Images} images",
                phase, prefix.Boundary, string.Join(",", shape), bytes / 1e6, images);
        return (train, validating);
    }

    // one epoch: training, then validation, then the log line
    private EpochMetrics RunEpoch(EpochPlan plan, int phaseEpoch, int epoch, double plateauFactor, IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var epochClock = Stopwatch.StartNew();
        var (trainLoss, trainAccuracy, trainImages) = TrainEpoch(plan, phaseEpoch, epoch, plateauFactor, progress, cancellationToken);
        double trainSeconds = epochClock.Elapsed.TotalSeconds;
        var validation = _data.ValidationLoader is null ? ValidationResult.None : Validate(plan.ValidationCache, cancellationToken);
        double lr = plan.Optimizer.ParamGroups.Last().LearningRate;
        var metrics = new EpochMetrics(epoch, plan.Phase.Name, trainLoss, trainAccuracy, validation.Loss,
            validation.Accuracy, validation.RocAuc, lr, epochClock.Elapsed.TotalSeconds, trainSeconds, trainImages);
        _logger.LogInformation(
            "Epoch {Epoch}/{Total} ({Phase}): loss {Loss:F4} acc {Accuracy:F4} | val loss {ValLoss:F4} acc {ValAccuracy:F4} auc {ValAuc:F4} | {Seconds:F1}s (training {TrainSeconds:F1}s, {ImagesPerSecond:F1} img/s)",
            epoch, plan.TotalEpochs, plan.Phase.Name, trainLoss, trainAccuracy, validation.Loss, validation.Accuracy, validation.RocAuc,
            metrics.Seconds, metrics.TrainSeconds, metrics.TrainImagesPerSecond);
        return metrics;
    }

    // the best epoch's weights back in the network (when asked for), every block frozen, evaluation mode
    private NetworkRun Finish(IReadOnlyList<Phase> phases, EpochSelection selection, TimeSpan elapsed)
    {
        _network.Backbone.FreezeAllButLastBlocks(0);
        if (selection.BestWeights is not null && _options.EarlyStopping.RestoreBestWeights) TrainingCheckpoint.Restore(_network, selection.BestWeights);
        _network.eval();
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
        // each batch's logits and labels, made in the step's dispose scope: from the images, from the cached prefix
        // output, or from the boundary that the pipelined prefix computed ahead on its own thread
        IEnumerable<(Func<(Tensor Logits, Tensor Labels)> Forward, int Count)> batches;
        int view = plan.TrainCache?.ViewOf(phaseEpoch) ?? 0;
        var pipelined = Pipelined(plan.TrainCache, epoch, view, cancellationToken);
        if (pipelined is not null)
            batches = pipelined.Select(item => (new Func<(Tensor, Tensor)>(() =>
                (_network.ForwardFromBoundary(item.Take()), tensor(item.Labels, ScalarType.Int64))), item.Count));
        else if (plan.TrainCache is { } cache)
            batches = cache.Epoch(_data.TrainLoader, epoch, cancellationToken, view).Select(item => (new Func<(Tensor, Tensor)>(() =>
                (_network.ForwardFromBoundary(cache.BoundaryOf(item, _network.Prefix!)), tensor(cache.LabelsOf(item), ScalarType.Int64))), item.Count));
        else
            batches = _data.TrainLoader.ReadEpoch(epoch, cancellationToken).Select(batch => (new Func<(Tensor, Tensor)>(() =>
            {
                var (images, labels) = BatchTensors.From(batch);
                return (_network.forward(images), labels);
            }), batch.Count));
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

    private void TrainBatches(EpochPlan plan, IEnumerable<(Func<(Tensor Logits, Tensor Labels)> Forward, int Count)> batches, List<Parameter> trainable,
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
                var (logits, labels) = batch.Forward();
                Tensor loss = nn.functional.cross_entropy(logits, labels, plan.ClassWeights, label_smoothing: _options.LabelSmoothing)
                              + _network.Head.L2Penalty();
                plan.Optimizer.zero_grad();
                loss.backward();
                if (_options.GradientClipNorm is double clip) nn.utils.clip_grad_norm_(trainable, clip);
                plan.Optimizer.step();
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
