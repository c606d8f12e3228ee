using SkiaSharp;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

public sealed class PredictionInputTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_path_a_stream_a_byte_array_and_a_bitmap_of_one_image_give_the_same_probabilities()
    {
        foreach (string image in fixture.Images.Take(2))
        {
            float[] fromPath = fixture.Model.Predict(image).Probabilities.ToArray();
            byte[] bytes = File.ReadAllBytes(image);
            using var stream = File.OpenRead(image);
            using var bitmap = SKBitmap.Decode(image);

            Assert.Equal(fromPath, fixture.Model.Predict(bytes).Probabilities.ToArray());
            Assert.Equal(fromPath, fixture.Model.Predict(stream).Probabilities.ToArray());
            // the bitmap was decoded by Skia as the library decodes the file, so its pixels are the same
            Assert.Equal(fromPath, fixture.Model.Predict(bitmap).Probabilities.ToArray());
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Batch_prediction_equals_single_predictions_in_input_order()
    {
        var batch = fixture.Model.Predict(fixture.Images);

        Assert.Equal(fixture.Images.Count, batch.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            var single = fixture.Model.Predict(fixture.Images[i]);
            Assert.Equal(single.Label, batch[i].Label);
            // a batch of 6 may take other kernels than a batch of 1, so equality is to float rounding
            for (int k = 0; k < single.Probabilities.Count; k++)
                Assert.Equal(single.Probabilities[k], batch[i].Probabilities[k], 1e-5f);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Probabilities_sum_to_one_and_the_label_follows_the_decision_threshold()
    {
        foreach (string image in fixture.Images)
        {
            var prediction = fixture.Model.Predict(image);
            Assert.Equal(1f, prediction.Probabilities.Sum(), 1e-5f);
            int expected = prediction.Probabilities[1] >= fixture.Model.DecisionThreshold!.Value ? 1 : 0;
            Assert.Equal(expected, prediction.LabelIndex);
            Assert.Equal(fixture.Model.ClassNames[expected], prediction.Label);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Batch_prediction_names_a_missing_file()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"tl-missing-{Guid.NewGuid():N}.jpg");

        var error = Assert.Throws<ML.Data.ImageDataException>(() => fixture.Model.Predict([fixture.Images[0], missing]));
        Assert.Contains(missing, error.Message);
    }
}
