using Microsoft.ML;
using Microsoft.ML.Data;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.MLNet;

/// <summary>
/// The ML.NET estimator behind <see cref="TransferLearningCatalog.TransferLearning"/>: <see cref="Fit"/> trains a
/// <see cref="TransferModel"/> on the data view and returns <see cref="MLNetScoringPipeline"/>'s transforms fitted
/// on it, a chain ML.NET saves and loads natively.
/// </summary>
public sealed class TransferLearningEstimator : IEstimator<ITransformer>
{
    private readonly TransferLearningTrainerOptions _options;

    internal TransferLearningEstimator(TransferLearningTrainerOptions options)
    {
        if (options.Backbone is null && string.IsNullOrWhiteSpace(options.BackbonePath))
            throw new ArgumentException("Set TransferLearningTrainerOptions.Backbone or BackbonePath (an ONNX model pretrained on ImageNet).", nameof(options));
        if (options.Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "TransferLearningTrainerOptions.Epochs must be at least 1.");
        if (options.ValidationFraction is < 0 or >= 1 || double.IsNaN(options.ValidationFraction))
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "TransferLearningTrainerOptions.ValidationFraction must be in [0, 1).");
        _options = options;
    }

    /// <summary>Trains on <paramref name="input"/> and returns the scoring transformer.</summary>
    /// <exception cref="ImageDataException">The image or label column is missing or of an unsupported type, or an image cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled through the options' token.</exception>
    public ITransformer Fit(IDataView input) => Train(input).Transformer;

    /// <summary>Like <see cref="Fit"/>, also returning the library's <see cref="TrainingResult"/> (history, validation metrics, the <see cref="TransferModel"/>).</summary>
    /// <exception cref="ImageDataException">The image or label column is missing or of an unsupported type, or an image cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled through the options' token.</exception>
    public (ITransformer Transformer, TrainingResult Training) Train(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var datasetOptions = new ImageDatasetOptions { ClassNames = KeyNames(input.Schema, o.LabelColumnName) };
        var images = ImageDataset.FromDataView(input, o.ImageColumnName, o.LabelColumnName, datasetOptions);
        var backbone = o.Backbone ?? Backbone.FromOnnx(o.BackbonePath!);
        var learner = TransferLearner.For(backbone).WithImages(images).Split(o.ValidationFraction, 0, o.Seed)
            .WithSeed(o.Seed).WithBootstrap(0);
        learner = learner.WithRecipe(o.Recipe ?? o.Mode switch
        {
            TrainingMode.FeatureExtraction => new FeatureExtractionOptions { Epochs = o.Epochs },
            TrainingMode.FineTune => new FineTuneOptions { Epochs = o.Epochs },
            _ => new ScratchOptions { Epochs = o.Epochs },
        });
        var result = learner.Fit(o.Progress, o.CancellationToken);
        var mlContext = new MLContext(o.Seed);
        var transformer = MLNetScoringPipeline
            .Create(mlContext, result.Model, o.ImageColumnName, input.Schema[o.ImageColumnName].Type is VectorDataViewType, o.ScoreColumnName, o.PredictedLabelColumnName)
            .Fit(input);
        return (transformer, result);
    }

    /// <summary>The input columns plus the score (float vector, one slot per class) and predicted label (key over
    /// the classes) columns.</summary>
    /// <exception cref="ArgumentException">The image or label column is missing.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (string name in new[] { _options.ImageColumnName, _options.LabelColumnName })
            if (!inputSchema.Any(c => c.Name == name))
                throw new ArgumentException($"The input has no column '{name}' (columns: {string.Join(", ", inputSchema.Select(c => c.Name))}).", nameof(inputSchema));
        // SchemaShape cannot be built directly outside ML.NET; public estimators with the same output shapes can:
        // the predicted label is a key over the label's classes, the score a float slot per class
        var mlContext = new MLContext(_options.Seed);
        var label = inputSchema.First(c => c.Name == _options.LabelColumnName);
        IEstimator<ITransformer> predicted = label.IsKey
            ? mlContext.Transforms.CopyColumns(_options.PredictedLabelColumnName, _options.LabelColumnName)
            : mlContext.Transforms.Conversion.MapValueToKey(_options.PredictedLabelColumnName, _options.LabelColumnName);
        return predicted
            .Append(mlContext.Transforms.Conversion.MapKeyToVector(_options.ScoreColumnName, _options.PredictedLabelColumnName))
            .GetOutputSchema(inputSchema);
    }

    /// <summary>The key values of a key-typed label column in key order (so scores follow the keys), else null.</summary>
    private static IReadOnlyList<string>? KeyNames(DataViewSchema schema, string labelColumn)
    {
        var column = schema.GetColumnOrNull(labelColumn);
        if (column is not { Type: KeyDataViewType } || column.Value.Annotations.Schema.GetColumnOrNull("KeyValues") is null) return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.Value.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }
}
