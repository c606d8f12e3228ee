using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Training;

/// <summary>The final evaluation of Fit, and the model it returns, follow the learner's threads and loader settings (issue #17).</summary>
[Collection(TrainingCollection.Name)]
public sealed class EvaluationSettingsTests : IDisposable
{
    private readonly string _cache = TrainingData.TemporaryDirectory("evaluation-settings");

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_fit_with_one_thread_returns_a_model_whose_session_uses_one_thread_and_evaluates_with_the_learners_seed()
    {
        ImageDataset images = TrainingData.KermanySubset(12);
        var result = TransferLearner.For(TrainingData.MobileNetV2)
            .WithImages(images)
            .Split(validation: 0.25, test: 0.25, seed: 7)
            .WithBootstrap(0)
            .WithSeed(5)
            .WithThreads(1)
            .WithLoader(new ImageLoadingOptions { Workers = 1 })
            .ExtractFeatures(new FeatureExtractionOptions { CacheDirectory = _cache })
            .Fit();
        using var model = result.Model;
        Assert.Equal(1, model.IntraOpThreads);
        Assert.Null(model.SessionIntraOpThreads);
        model.Predict(result.Splits.Test.Samples[0].Source);
        Assert.Equal(1, model.SessionIntraOpThreads);
        Assert.Throws<InvalidOperationException>(() => { model.IntraOpThreads = 2; });

        // augmented evaluation is seeded by the loader options it is given (the learner's seed in Fit), not a fixed 17
        var augmentation = Augmentations.Light;
        var loader = new BatchLoaderOptions { Seed = 5, WorkerCount = 1 };
        var seeded = model.PredictProbabilities(result.Splits.Test, augmentation: augmentation, epoch: 1, loaderOptions: loader);
        var expected = new List<float>();
        using (var direct = new ImageBatchLoader(result.Splits.Test, model.Preprocessing,
            loader with { BatchSize = 32, Augmentation = augmentation, MaxImagePixels = model.MaxImagePixels }))
            foreach (var batch in direct.ReadEpoch(1))
                expected.AddRange(model.Run(batch.Buffer, batch.Count));
        Assert.Equal(expected, seeded.Probabilities.Cast<float>());
        var other = model.PredictProbabilities(result.Splits.Test, augmentation: augmentation, epoch: 1,
            loaderOptions: loader with { Seed = 17 });
        Assert.NotEqual(expected, other.Probabilities.Cast<float>());
    }

    [Fact]
    public void A_loaded_model_defaults_to_every_core()
    {
        using var model = new TransferModel([], new ModelManifest
        {
            ClassNames = ["a", "b"], InputName = "x", Preprocessing = PreprocessingManifest.From(new ImagePreprocessing()),
            BackboneName = "none", BackboneSha256 = "", Mode = "features",
        });
        Assert.Equal(Environment.ProcessorCount, model.IntraOpThreads);
        Assert.Throws<ArgumentOutOfRangeException>(() => { model.IntraOpThreads = 0; });
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
