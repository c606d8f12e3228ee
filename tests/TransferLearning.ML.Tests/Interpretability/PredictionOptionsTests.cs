using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Interpretability;
using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Reporting;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Interpretability;

[Collection(TrainedKermanyModelCollection.Name)]
public sealed class PredictionOptionsTests(TrainedKermanyModel model)
{
    private TransferModel Model => model.Result.Model;

    private string Image => model.Result.Splits.Test.Samples[0].Source.Path!;

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Default_options_give_the_plain_prediction()
    {
        var details = Model.Predict(Image, new PredictionOptions());

        Assert.Equal(Model.Predict(Image).Probabilities, details.Prediction.Probabilities);
        Assert.Equal(1, details.Views);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Tta_averages_seeded_views_deterministically()
    {
        var options = new PredictionOptions { TestTimeAugmentationViews = 4, Seed = 9 };

        var first = Model.Predict(Image, options);
        var second = Model.Predict(Image, options);

        Assert.Equal(5, first.Views);
        Assert.Equal(first.Prediction.Probabilities, second.Prediction.Probabilities);
        Assert.NotEqual(Model.Predict(Image).Probabilities, first.Prediction.Probabilities);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Tta_of_one_image_matches_the_evaluators_tta_of_a_one_image_dataset()
    {
        var single = ImageDataset.FromList([(Image, Model.ClassNames[0])], new ImageDatasetOptions { ClassNames = Model.ClassNames });

        var predicted = Model.Predict(Image, new PredictionOptions { TestTimeAugmentationViews = 3, Seed = 4 });
        var evaluated = ModelEvaluator.Probabilities(Model, single, new EvaluationOptions { TtaViews = 3, Seed = 4 });

        Assert.Equal(evaluated[0, 0], predicted.Prediction.Probabilities[0], 5);
        Assert.Equal(evaluated[0, 1], predicted.Prediction.Probabilities[1], 5);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Explain_gives_the_prediction_and_the_grad_cam_of_the_predicted_class_at_the_input_size()
    {
        var options = new PredictionOptions { TestTimeAugmentationViews = 2, Seed = 3 };
        var explanation = Model.Explain(Image, options);

        Assert.Equal(Model.Predict(Image, options).Prediction.Probabilities, explanation.Details.Prediction.Probabilities);
        Assert.Equal(3, explanation.Details.Views);
        var cam = explanation.GradCam;
        Assert.Equal(explanation.Details.Prediction.LabelIndex, cam.ClassIndex);
        Assert.Equal((224, 224), (cam.Heatmap.GetLength(0), cam.Heatmap.GetLength(1)));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], explanation.OverlayPng()[..4]);
    }
}
