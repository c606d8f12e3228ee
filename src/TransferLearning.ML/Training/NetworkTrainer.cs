using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using TransferLearning.ML.Data;
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

    public NetworkTrainer(TransferNetwork network, DataPlan data, FineTuneOptions options, ILogger logger)
    {
        _network = network;
        _data = data;
        _options = options;
        _logger = logger;
    }

    public NetworkRun Run(IReadOnlyList<Phase> phases, int seed, string? checkpointDirectory, string fingerprint,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var monitor = _options.EarlyStopping.Monitor;
        int totalEpochs = phases.Sum(p => p.Epochs);
        string? checkpointPath = checkpointDirectory is null ? null : Path.Combine(checkpointDirectory, TrainingCheckpoint.FileName);
        using var classWeights = _data.ClassWeights is null ? null : tensor(_data.ClassWeights);

        // where an earlier, interrupted run of the same plan stopped
        TrainingCheckpoint.State? resumed = checkpointPath is not null && File.Exists(checkpointPath)
            ? TrainingCheckpoint.Peek(checkpointPath, fingerprint)
            : null;
        int resumeFrom = resumed?.CompletedEpochs ?? 0;
        bool stopped = resumed?.Stopped ?? false;
        bool loaded = false;
        var history = new List<EpochMetrics>();
        int bestEpoch = 0, withoutImprovement = 0;
        double best = double.NaN, plateauFactor = 1;
        byte[]? bestWeights = null;

        void LoadCheckpoint(OptimizerHelper? optimizer)
        {
            var state = TrainingCheckpoint.Load(checkpointPath!, fingerprint, _network, optimizer, out bestWeights);
            history.AddRange(state.History);
            bestEpoch = state.BestEpoch; best = state.BestValue; plateauFactor = state.PlateauFactor;
            withoutImprovement = state.EpochsWithoutImprovement;
            loaded = true;
            _logger.LogInformation("Resumed from {Checkpoint} after epoch {Epoch}", checkpointPath, state.CompletedEpochs);
        }

        int epochBase = 0;
        foreach (Phase phase in phases)
        {
            int phaseEnd = epochBase + phase.Epochs;
            // a resumed run whose checkpoint was written when early stopping ended this phase goes on with the next
            bool stoppedBeforeResume = stopped && resumeFrom > epochBase && resumeFrom <= phaseEnd;
            if (phase.Epochs == 0 || resumeFrom >= phaseEnd || stoppedBeforeResume)
            {
                if (stoppedBeforeResume) stopped = false;
                epochBase = phaseEnd;
                continue;
            }
            stopped = false; // each phase has its own patience
            int unfrozen = Math.Min(phase.UnfrozenBlocks, _network.Backbone.Blocks.Count);
            _network.Backbone.FreezeAllButLastBlocks(unfrozen);
            var groups = ParameterGroups(phase, unfrozen);
            using var optimizer = OptimizerFactory.Create(_options.Optimizer, groups);
            if (resumed is not null && !loaded)
            {
                // the optimiser state belongs to the phase the checkpoint was written in
                LoadCheckpoint(resumeFrom > epochBase ? optimizer : null);
                if (resumeFrom <= epochBase) withoutImprovement = 0;
            }
            else withoutImprovement = 0;

            int stepsPerEpoch = _data.TrainBatches;
            for (int e = Math.Max(0, resumeFrom - epochBase); e < phase.Epochs; e++)
            {
                int epoch = epochBase + e + 1;
                var epochClock = Stopwatch.StartNew();
                torch.random.manual_seed(seed * 7919L + epoch);
                var (trainLoss, trainAccuracy, trainImages) = TrainEpoch(phase, e, epoch, totalEpochs, optimizer, groups, classWeights,
                    stepsPerEpoch, plateauFactor, progress, cancellationToken);
                double trainSeconds = epochClock.Elapsed.TotalSeconds;
                var validation = _data.ValidationLoader is null ? ValidationResult.None : Validate(cancellationToken);
                double lr = optimizer.ParamGroups.Last().LearningRate;
                var metrics = new EpochMetrics(epoch, phase.Name, trainLoss, trainAccuracy, validation.Loss,
                    validation.Accuracy, validation.RocAuc, lr, epochClock.Elapsed.TotalSeconds, trainSeconds, trainImages);
                history.Add(metrics);

                double value = monitor.Read(metrics);
                if (_data.ValidationLoader is null || monitor.Improves(value, best, _options.EarlyStopping.MinDelta))
                {
                    best = value; bestEpoch = epoch; withoutImprovement = 0;
                    if (_options.EarlyStopping.RestoreBestWeights) bestWeights = TrainingCheckpoint.Snapshot(_network);
                }
                else
                {
                    withoutImprovement++;
                    if (_options.Schedule is LearningRateSchedule.ReduceOnPlateauSchedule plateau && withoutImprovement % plateau.Patience == 0)
                        plateauFactor = Math.Max(plateau.MinFactor, plateauFactor * plateau.ReduceFactor);
                }
                stopped = _options.EarlyStopping.Patience is int patience && withoutImprovement >= patience;
                _logger.LogInformation(
                    "Epoch {Epoch}/{Total} ({Phase}): loss {Loss:F4} acc {Accuracy:F4} | val loss {ValLoss:F4} acc {ValAccuracy:F4} auc {ValAuc:F4} | {Seconds:F1}s (training {TrainSeconds:F1}s, {ImagesPerSecond:F1} img/s)",
                    epoch, totalEpochs, phase.Name, trainLoss, trainAccuracy, validation.Loss, validation.Accuracy, validation.RocAuc,
                    metrics.Seconds, metrics.TrainSeconds, metrics.TrainImagesPerSecond);

                if (checkpointPath is not null)
                    TrainingCheckpoint.Save(checkpointPath,
                        new TrainingCheckpoint.State(0, fingerprint, epoch, bestEpoch, best, withoutImprovement, plateauFactor, stopped, history.ToList()),
                        _network, optimizer, bestWeights);
                progress?.Report(new TrainingProgress(phase.Name, epoch, totalEpochs, stepsPerEpoch, stepsPerEpoch, trainLoss,
                    0, Remaining(clock, epoch - resumeFrom, totalEpochs - epoch), metrics));
                if (stopped)
                {
                    _logger.LogInformation("Early stop after epoch {Epoch}: validation {Metric} did not improve for {Patience} epochs",
                        epoch, monitor, _options.EarlyStopping.Patience);
                    break;
                }
            }
            epochBase = phaseEnd;
        }
        if (resumed is not null && !loaded) LoadCheckpoint(null); // the checkpoint's run had already finished

        _network.Backbone.FreezeAllButLastBlocks(0);
        if (bestWeights is not null && _options.EarlyStopping.RestoreBestWeights) TrainingCheckpoint.Restore(_network, bestWeights);
        _network.eval();
        var summary = PhaseSummary.From(phases.Select(p => (p.Name, p.Epochs)), history);
        if (summary.Any(p => p.StoppedEarly) && history.FirstOrDefault(e => e.Epoch == bestEpoch) is { } kept)
            _logger.LogInformation("Phases: {Phases}; the model keeps epoch {Epoch} ({Phase})",
                string.Join(", ", summary.Select(p => $"{p.Name} {p.EpochsRun}/{p.PlannedEpochs} epochs")), bestEpoch, kept.Phase);
        return new NetworkRun(history, bestEpoch, summary.Any(p => p.StoppedEarly), clock.Elapsed, summary);
    }

    private (double Loss, double Accuracy, int Images) TrainEpoch(Phase phase, int phaseEpoch, int epoch, int totalEpochs,
        OptimizerHelper optimizer, IReadOnlyList<ParameterGroup> groups, Tensor? classWeights, int stepsPerEpoch,
        double plateauFactor, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        _network.train();
        var trainable = groups.SelectMany(g => g.Parameters).ToList();
        double lossSum = 0;
        long correct = 0, seen = 0;
        int batchNumber = 0, totalSteps = stepsPerEpoch * phase.Epochs;
        var epochClock = Stopwatch.StartNew();
        foreach (ImageBatch batch in _data.TrainLoader.ReadEpoch(epoch, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            double factor = _options.Schedule.Factor(phaseEpoch * stepsPerEpoch + batchNumber, totalSteps, phaseEpoch) * plateauFactor;
            OptimizerFactory.SetLearningRates(optimizer, groups, factor);
            using (var scope = NewDisposeScope())
            {
                var (images, labels) = BatchTensors.From(batch);
                Tensor logits = _network.forward(images);
                Tensor loss = nn.functional.cross_entropy(logits, labels, classWeights, label_smoothing: _options.LabelSmoothing)
                              + _network.Head.L2Penalty();
                optimizer.zero_grad();
                loss.backward();
                if (_options.GradientClipNorm is double clip) nn.utils.clip_grad_norm_(trainable, clip);
                optimizer.step();
                lossSum += loss.item<float>() * batch.Count;
                correct += logits.argmax(1).eq(labels).sum().item<long>();
                seen += batch.Count;
            }
            batchNumber++;
            double imagesPerSecond = seen / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds);
            progress?.Report(new TrainingProgress(phase.Name, epoch, totalEpochs, batchNumber, stepsPerEpoch, lossSum / seen,
                imagesPerSecond, TimeSpan.FromSeconds((stepsPerEpoch - batchNumber + (totalEpochs - epoch) * stepsPerEpoch) * batch.Count / Math.Max(1e-9, imagesPerSecond)), null));
        }
        return seen == 0 ? (double.NaN, double.NaN, 0) : (lossSum / seen, (double)correct / seen, (int)seen);
    }

    private ValidationResult Validate(CancellationToken cancellationToken)
    {
        var predictions = NetworkPredictions.Run(_network, _data.ValidationLoader!, _data.ClassNames.Count, _data.ValidationCount, cancellationToken);
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
