using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Training.Heads;
using TransferLearning.ML.Training.Optimization;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Trains a classifier head on cached backbone features: mini-batch AdamW on a one-cycle schedule, one randomly
/// drawn view per image and epoch when augmented views were cached, validation after every epoch and the best
/// epoch's weights restored.
/// </summary>
internal sealed class FeatureHeadTrainer(FeatureExtractionOptions options, IReadOnlyList<string> classNames, ILogger logger)
{
    public NetworkRun Run(ClassifierHead head, FeatureMatrix train, FeatureMatrix? validation, float[]? classWeights, int seed,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var history = new List<EpochMetrics>();
        var monitor = options.EarlyStopping.Monitor;
        double best = double.NaN;
        int bestEpoch = 0, withoutImprovement = 0;
        byte[]? bestWeights = null;
        bool stopped = false;

        var groups = new[] { new ParameterGroup("head", head.parameters().ToList(), options.LearningRate, options.WeightDecay) };
        using var optimizer = OptimizerFactory.Create(OptimizerKind.AdamW, groups);
        var schedule = LearningRateSchedule.OneCycle;
        using var weights = classWeights is null ? null : tensor(classWeights);
        using var allTrain = tensor(train.Values, [(long)train.Views * train.Count, train.Width]);
        using var validationFeatures = validation is null ? null : tensor(validation.Values.AsSpan(0, validation.Count * validation.Width).ToArray(), [validation.Count, validation.Width]);
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        var rows = new long[train.Count];
        var labels = new long[train.Count];

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            random.manual_seed(seed * 7919L + epoch);
            // a fixed formula, not HashCode.Combine: that is randomised per process and broke run-to-run determinism
            var order = new Random(unchecked(seed * 7919 + epoch * 104_729 + 0x5eed));
            for (int i = 0; i < train.Count; i++)
            {
                int view = train.Views == 1 ? 0 : order.Next(train.Views);
                rows[i] = (long)view * train.Count + i;
                labels[i] = train.Labels[i];
            }
            order.Shuffle(rows.AsSpan());
            for (int i = 0; i < train.Count; i++) labels[i] = train.Labels[rows[i] % train.Count];

            head.train();
            double lossSum = 0;
            long correct = 0;
            for (int b = 0; b < batches; b++)
            {
                int start = b * options.BatchSize, size = Math.Min(options.BatchSize, train.Count - start);
                OptimizerFactory.SetLearningRates(optimizer, groups, schedule.Factor((epoch - 1) * batches + b, options.Epochs * batches, epoch - 1));
                using var scope = NewDisposeScope();
                Tensor index = tensor(rows.AsSpan(start, size).ToArray());
                Tensor target = tensor(labels.AsSpan(start, size).ToArray());
                Tensor logits = head.forward(allTrain.index_select(0, index));
                Tensor loss = nn.functional.cross_entropy(logits, target, weights) + head.L2Penalty();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * size;
                correct += logits.argmax(1).eq(target).sum().item<long>();
            }

            double trainSeconds = epochClock.Elapsed.TotalSeconds;
            var result = validationFeatures is null ? ValidationResult.None : Validate(head, validationFeatures, validation!.Labels);
            var metrics = new EpochMetrics(epoch, "features", lossSum / train.Count, (double)correct / train.Count, result.Loss,
                result.Accuracy, result.RocAuc, optimizer.ParamGroups.First().LearningRate, epochClock.Elapsed.TotalSeconds, trainSeconds, train.Count);
            history.Add(metrics);
            double value = monitor.Read(metrics);
            if (validation is null || monitor.Improves(value, best, options.EarlyStopping.MinDelta))
            {
                best = value; bestEpoch = epoch; withoutImprovement = 0;
                if (options.EarlyStopping.RestoreBestWeights) bestWeights = TrainingCheckpoint.Snapshot(head);
            }
            else withoutImprovement++;
            progress?.Report(new TrainingProgress("features", epoch, options.Epochs, batches, batches, metrics.TrainLoss,
                train.Count / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds),
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / epoch * (options.Epochs - epoch)), metrics));
            if (options.EarlyStopping.Patience is int patience && withoutImprovement >= patience)
            {
                stopped = true;
                break;
            }
        }
        logger.LogInformation("Head trained on cached features: best epoch {Epoch} of {Epochs}, validation {Metric} {Value:F4}",
            bestEpoch, history.Count, monitor, best);
        if (bestWeights is not null) TrainingCheckpoint.Restore(head, bestWeights);
        head.eval();
        return new NetworkRun(history, bestEpoch, stopped, clock.Elapsed,
            PhaseSummary.From([("features", options.Epochs)], history));
    }

    private ValidationResult Validate(ClassifierHead head, Tensor features, int[] labels)
    {
        head.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        float[] flat = nn.functional.softmax(head.forward(features), 1).data<float>().ToArray();
        int k = classNames.Count;
        var probabilities = new float[labels.Length, k];
        Buffer.BlockCopy(flat, 0, probabilities, 0, flat.Length * sizeof(float));
        return ValidationResult.From(labels, probabilities, classNames);
    }
}
