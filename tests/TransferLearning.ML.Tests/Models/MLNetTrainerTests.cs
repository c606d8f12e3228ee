using Microsoft.ML;
using Microsoft.ML.Data;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

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

    public sealed class ScoredRow
    {
        public string ImagePath { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}
