using Microsoft.ML;
using Microsoft.ML.Data;
using TransferLearning.ML.MLNet;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.MLNet;

public sealed class MLNetTrainerTests(MLNetFixture fixture) : IClassFixture<MLNetFixture>
{
    private IDataView Scored() => fixture.Pipeline.Transform(fixture.Context.Data.LoadFromEnumerable(fixture.TestRows));

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_fitted_pipeline_adds_a_score_vector_and_a_predicted_label_key_over_the_classes()
    {
        var schema = Scored().Schema;

        var score = Assert.IsType<VectorDataViewType>(schema["Score"].Type);
        Assert.Equal((NumberDataViewType.Single, 2), (score.ItemType, score.Size));
        var predicted = Assert.IsType<KeyDataViewType>(schema["PredictedLabel"].Type);
        Assert.Equal(2UL, predicted.Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        schema["PredictedLabel"].GetKeyValues(ref names);
        Assert.Equal(fixture.Training.Model.ClassNames, names.DenseValues().Select(n => n.ToString()));
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void MLNet_Evaluate_agrees_with_the_librarys_own_accuracy_on_the_same_images()
    {
        var metrics = fixture.Context.MulticlassClassification.Evaluate(Scored());

        var model = fixture.Training.Model;
        int correct = fixture.TestRows.Count(row =>
        {
            var p = model.Predict(row.ImagePath).Probabilities;
            return model.ClassNames[p[1] > p[0] ? 1 : 0] == row.Label;
        });
        Assert.Equal((double)correct / fixture.TestRows.Length, metrics.MicroAccuracy, 1e-9);
        Assert.True(metrics.MicroAccuracy > 0.7, $"accuracy {metrics.MicroAccuracy}");
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_score_column_equals_the_models_probabilities()
    {
        var rows = fixture.Context.Data.CreateEnumerable<ScoredRow>(Scored(), reuseRowObject: false).ToList();

        Assert.Equal(fixture.TestRows.Select(r => r.ImagePath).Order(), rows.Select(r => r.ImagePath).Order());
        foreach (var row in rows)
        {
            var expected = fixture.Training.Model.Predict(row.ImagePath).Probabilities;
            for (int k = 0; k < expected.Count; k++) Assert.Equal(expected[k], row.Score[k], 1e-5f);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Model_Save_then_Load_scores_the_same()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tl-mlnet-{Guid.NewGuid():N}.zip");
        var data = fixture.Context.Data.LoadFromEnumerable(fixture.TestRows);
        try
        {
            fixture.Context.Model.Save(fixture.Pipeline, data.Schema, path);
            var loadingContext = new MLContext(seed: 1);
            loadingContext.ComponentCatalog.RegisterAssembly(typeof(ML.MLNet.TransferLearningCatalog).Assembly);
            var loaded = loadingContext.Model.Load(path, out _);

            var before = Scores(fixture.Context, fixture.Pipeline.Transform(data));
            var after = Scores(loadingContext, loaded.Transform(data));
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach (var (image, score) in before) Assert.Equal(score, after[image]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_PredictionEngine_gives_the_class_name_and_the_models_probabilities()
    {
        var data = fixture.Context.Data.LoadFromEnumerable(fixture.TestRows);
        var withNames = fixture.Pipeline.Append(fixture.Context.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel")
            .Fit(fixture.Pipeline.Transform(data)));
        // not disposed: disposing a PredictionEngine disposes the ONNX session of the transformer it was made from,
        // which the other tests share
        var engine = fixture.Context.Model.CreatePredictionEngine<ImageRow, EngineOutput>(withNames);

        foreach (var row in fixture.TestRows.Take(4))
        {
            var output = engine.Predict(row);
            var expected = fixture.Training.Model.Predict(row.ImagePath);
            Assert.Equal(expected.Probabilities.Select(p => (double)p), output.Score.Select(p => (double)p), (a, b) => Math.Abs(a - b) < 1e-5);
            Assert.Equal(fixture.Training.Model.ClassNames[output.Score[1] > output.Score[0] ? 1 : 0], output.PredictedClass);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_bytes_image_column_scores_like_the_path_column()
    {
        var bytesRows = fixture.TestRows.Take(4).Select(r => new BytesRow { Image = File.ReadAllBytes(r.ImagePath), Label = r.Label }).ToArray();
        var scorer = ML.MLNet.MLNetScoringPipeline.Create(fixture.Context, fixture.Training.Model, "Image", isBytes: true)
            .Fit(fixture.Context.Data.LoadFromEnumerable(bytesRows));

        var scores = fixture.Context.Data.CreateEnumerable<BytesScored>(scorer.Transform(fixture.Context.Data.LoadFromEnumerable(bytesRows)), reuseRowObject: false).ToList();

        Assert.Equal(4, scores.Count);
        foreach (var scored in scores)
        {
            var expected = fixture.Training.Model.Predict(scored.Image).Probabilities;
            Assert.Equal(expected.ToArray(), scored.Score);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_trainer_fits_inside_an_estimator_chain_as_ML_NET_users_write_it()
    {
        var mlContext = new MLContext(seed: 2);
        var rows = fixture.TrainRows.Where((_, i) => i % 4 == 0).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        string cache = TrainingData.TemporaryDirectory("mlnet-chain");
        try
        {
            var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
                .Append(mlContext.MulticlassClassification.Trainers.TransferLearning(new ML.MLNet.TransferLearningTrainerOptions
                {
                    Backbone = TrainingData.MobileNetV2,
                    Recipe = new ML.Training.FeatureExtraction.FeatureExtractionOptions { Epochs = 3, CacheDirectory = cache },
                    ValidationFraction = 0.25,
                }))
                .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));

            var schema = pipeline.Fit(data).Transform(data).Schema;

            Assert.Equal(2, Assert.IsType<VectorDataViewType>(schema["Score"].Type).Size);
            Assert.IsType<KeyDataViewType>(schema["PredictedLabel"].Type);
            Assert.Equal(TextDataViewType.Instance, schema["PredictedClass"].Type);
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private static Dictionary<string, float[]> Scores(MLContext context, IDataView scored) =>
        context.Data.CreateEnumerable<ScoredRow>(scored, reuseRowObject: false).ToDictionary(r => r.ImagePath, r => r.Score);

    public sealed class EngineOutput
    {
        public float[] Score { get; set; } = [];
        public string PredictedClass { get; set; } = "";
    }

    public sealed class BytesRow
    {
        public byte[] Image { get; set; } = [];
        public string Label { get; set; } = "";
    }

    public sealed class BytesScored
    {
        public byte[] Image { get; set; } = [];
        public float[] Score { get; set; } = [];
    }

    public sealed class ScoredRow
    {
        public string ImagePath { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}
