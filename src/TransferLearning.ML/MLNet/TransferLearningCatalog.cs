using Microsoft.ML;

namespace TransferLearning.ML.MLNet;

/// <summary>ML.NET catalog entry: <c>mlContext.MulticlassClassification.Trainers.TransferLearning(options)</c>.</summary>
public static class TransferLearningCatalog
{
    /// <summary>
    /// A multiclass image classifier trained by TransferLearning.ML on an ONNX backbone. Fitting it reads the image
    /// and label columns, trains (feature extraction or fine-tuning), and returns a chain of ML.NET transforms
    /// (see <see cref="MLNetScoringPipeline"/>: the library's preprocessing as a custom mapping, <c>ApplyOnnxModel</c>
    /// on the classifier, label mapping) that adds <c>Score</c> and <c>PredictedLabel</c> columns and saves and loads
    /// with <c>mlContext.Model.Save</c>/<c>Load</c> (register this assembly with
    /// <c>mlContext.ComponentCatalog.RegisterAssembly</c> before loading).
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="options">What to train; see <see cref="TransferLearningTrainerOptions"/> for each default.</param>
    /// <exception cref="ArgumentException">Neither a backbone nor a backbone path is given, or an option is out of range.</exception>
    public static TransferLearningEstimator TransferLearning(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, TransferLearningTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new TransferLearningEstimator(options);
    }
}
