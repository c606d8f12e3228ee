using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// The <see cref="FeatureHeadKind.LogisticRegression"/> head: ML.NET's <c>LbfgsMaximumEntropy</c> (multinomial
/// logistic regression, L2 only, no feature normalisation: the model's weights apply to the raw cached features)
/// fitted on every cached training view, once per L2 candidate; the candidate with the lowest validation log-loss
/// is kept (no refit: the kept model is the one fitted on the training features) and its weights [classes ×
/// features] and biases are loaded into the output layer of a linear <see cref="ClassifierHead"/>, which the
/// exported graph writes as Gemm + Softmax like any head.
/// </summary>
internal sealed class LogisticRegressionHeadTrainer(FeatureExtractionOptions options, IReadOnlyList<string> classNames, ILogger logger)
{
    /// <summary>L2 used when there is no validation split: ML.NET's default, scikit-learn's C = 1.</summary>
    public const double DefaultL2 = 1;

    public const string Phase = "logreg";

    public NetworkRun Run(ClassifierHead head, FeatureMatrix train, FeatureMatrix? validation, float[]? classWeights, int seed, int threads,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (head.DenseLayers.Count != 1)
            throw new ArgumentException("The logistic-regression feature head is linear: use a head without hidden dense layers " +
                                        "(HeadOptions.Linear) or FeatureHeadKind.Neural.");
        var clock = Stopwatch.StartNew();
        IReadOnlyList<double> candidates = validation is null ? [DefaultL2] : options.LogisticRegressionL2;
        var history = new List<EpochMetrics>();
        LinearModel? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestIndex = 0;
        var context = new MLContext(seed);
        IDataView data = ToDataView(context, train, head.Classes, classWeights);

        for (int i = 0; i < candidates.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fitClock = Stopwatch.StartNew();
            double l2 = candidates[i];
            var (_, model) = Fit(context, data, classWeights is not null, l2, threads);
            double trainSeconds = fitClock.Elapsed.TotalSeconds;
            var (trainLoss, trainAccuracy) = TrainMeasures(model, train, classWeights);
            var result = validation is null ? ValidationResult.None
                : ValidationResult.From(validation.Labels, model.Probabilities(validation), classNames);
            var metrics = new EpochMetrics(i + 1, Phase, trainLoss, trainAccuracy, result.Loss, result.Accuracy, result.RocAuc,
                double.NaN, fitClock.Elapsed.TotalSeconds, trainSeconds, train.Count * train.Views);
            history.Add(metrics);
            logger.LogInformation("Logistic-regression head, L2 {L2}: train loss {TrainLoss:F4}, validation loss {Loss:F4}, accuracy {Accuracy:F4} ({Seconds:F1}s)",
                l2, trainLoss, result.Loss, result.Accuracy, trainSeconds);
            // lowest validation log-loss; on a tie the larger (more regularised) L2
            bool better = best is null || result.Loss < bestLoss || (result.Loss == bestLoss && l2 > candidates[bestIndex]);
            if (better)
            {
                best = model; bestLoss = result.Loss; bestIndex = i;
            }
            progress?.Report(new TrainingProgress(Phase, i + 1, candidates.Count, 1, 1, trainLoss, train.Count / Math.Max(1e-9, trainSeconds),
                TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / (i + 1) * (candidates.Count - i - 1)), metrics));
        }
        logger.LogInformation("Logistic-regression head: L2 {L2} kept (validation log-loss {Loss:F4})", candidates[bestIndex], bestLoss);
        head.LoadOutputLayer(best!.Weights, best.Biases);
        head.eval();
        return new NetworkRun(history, bestIndex + 1, false, clock.Elapsed, PhaseSummary.From([(Phase, candidates.Count)], history));
    }

    /// <summary>
    /// Fits <c>LbfgsMaximumEntropy</c> with L2 <paramref name="l2"/> and L1 0 on <paramref name="data"/> (columns
    /// <c>Features</c>, key <c>Label</c> and, when <paramref name="weighted"/>, <c>Weight</c>).
    /// </summary>
    public static (MulticlassPredictionTransformer<MaximumEntropyModelParameters> Transformer, LinearModel Model) Fit(
        MLContext context, IDataView data, bool weighted, double l2, int threads)
    {
        var trainer = context.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            FeatureColumnName = nameof(FeatureRow.Features),
            LabelColumnName = nameof(FeatureRow.Label),
            ExampleWeightColumnName = weighted ? nameof(FeatureRow.Weight) : null,
            L2Regularization = (float)l2,
            L1Regularization = 0, // ML.NET's default is 1: this is an L2-only model
            OptimizationTolerance = 1e-7f,
            MaximumNumberOfIterations = 2000,
            NumberOfThreads = threads, // chunked in a fixed order: deterministic for a given thread count
        });
        var transformer = trainer.Fit(data);
        VBuffer<float>[] rows = [];
        transformer.Model.GetWeights(ref rows, out int classes);
        int width = rows[0].Length;
        var weights = new float[classes * width];
        for (int c = 0; c < classes; c++) rows[c].DenseValues().ToArray().CopyTo(weights, c * width);
        return (transformer, new LinearModel(weights, transformer.Model.GetBiases().ToArray(), classes, width));
    }

    /// <summary>The rows of every view as an ML.NET data view: <c>Features</c> (vector of Width), <c>Label</c>
    /// (key over the classes; LoadFromEnumerable takes a key field 0-based, so the value is the class index: the test
    /// The_exported_Gemm_and_Softmax_give_ML_NETs_LbfgsMaximumEntropy_scores fails on an off-by-one), <c>Weight</c>
    /// (the class weight, 1 without).</summary>
    public static IDataView ToDataView(MLContext context, FeatureMatrix features, int classes, float[]? classWeights)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features.Width);
        schema[nameof(FeatureRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), classes);
        var rows = new List<FeatureRow>(features.Count * features.Views);
        for (int view = 0; view < features.Views; view++)
            for (int i = 0; i < features.Count; i++)
            {
                int label = features.Labels[i];
                rows.Add(new FeatureRow
                {
                    Features = features.Row(view, i).ToArray(),
                    Label = (uint)label,
                    Weight = classWeights?[label] ?? 1f,
                });
            }
        return context.Data.LoadFromEnumerable(rows, schema);
    }

    private static (double Loss, double Accuracy) TrainMeasures(LinearModel model, FeatureMatrix train, float[]? classWeights)
    {
        double loss = 0, weightSum = 0;
        long correct = 0;
        var scores = new double[model.Classes];
        for (int view = 0; view < train.Views; view++)
            for (int i = 0; i < train.Count; i++)
            {
                int label = train.Labels[i];
                model.Softmax(train.Row(view, i), scores);
                double weight = classWeights?[label] ?? 1;
                loss -= weight * Math.Log(Math.Max(scores[label], 1e-15));
                weightSum += weight;
                if (ArgMax(scores) == label) correct++;
            }
        return (loss / weightSum, (double)correct / (train.Count * train.Views));
    }

    private static int ArgMax(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>One training row of the ML.NET data view.</summary>
    internal sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
        public uint Label { get; set; }
        public float Weight { get; set; }
    }

    /// <summary>A fitted linear model: logits = W·x + b, row-major W [Classes × Width].</summary>
    internal sealed record LinearModel(float[] Weights, float[] Biases, int Classes, int Width)
    {
        public void Softmax(ReadOnlySpan<float> x, Span<double> probabilities)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < Classes; c++)
            {
                double z = Biases[c];
                var w = Weights.AsSpan(c * Width, Width);
                for (int j = 0; j < Width; j++) z += (double)w[j] * x[j];
                probabilities[c] = z;
                max = Math.Max(max, z);
            }
            double sum = 0;
            for (int c = 0; c < Classes; c++) sum += probabilities[c] = Math.Exp(probabilities[c] - max);
            for (int c = 0; c < Classes; c++) probabilities[c] /= sum;
        }

        /// <summary>Probabilities of view 0 of every image, [Count, Classes].</summary>
        public float[,] Probabilities(FeatureMatrix features)
        {
            var result = new float[features.Count, Classes];
            var row = new double[Classes];
            for (int i = 0; i < features.Count; i++)
            {
                Softmax(features.Row(0, i), row);
                for (int c = 0; c < Classes; c++) result[i, c] = (float)row[c];
            }
            return result;
        }
    }
}
