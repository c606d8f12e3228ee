using Microsoft.ML;
using Microsoft.ML.Data;
using TransferLearning.ML.Data;
using TransferLearning.ML.Tests.Models;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.MLNet;

/// <summary>The example of docs/mlnet.md ("an exported model in a plain ML.NET pipeline"), verbatim.</summary>
public sealed class MLNetDocsExampleTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = TrainingData.TemporaryDirectory("mlnet-docs");

    // --- docs/mlnet.md example begins
    public sealed class PixelsRow
    {
        [ColumnName("input"), VectorType(3 * 224 * 224)]
        public float[] Pixels { get; set; } = [];
    }

    public sealed class ProbabilitiesRow
    {
        [ColumnName("probabilities")]
        public float[] Probabilities { get; set; } = [];
    }

    private static float[][] ScoreWithMLNet(string onnxPath, IEnumerable<string> images)
    {
        // pixels: 224×224 RGB planes scaled to [0, 1]; the exported graph normalises them itself
        var preprocessing = ImagePreprocessing.ImageNet224 with { Normalization = Normalization.ZeroToOne };
        var rows = images.Select(path => new PixelsRow { Pixels = preprocessing.ToInput(ImageSource.FromFile(path)) }).ToList();

        var mlContext = new MLContext();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var pipeline = mlContext.Transforms.ApplyOnnxModel(
            outputColumnNames: ["probabilities"], inputColumnNames: ["input"], modelFile: onnxPath,
            shapeDictionary: new Dictionary<string, int[]> { ["input"] = [1, 3, 224, 224] },
            gpuDeviceId: null, fallbackToCpu: false);
        var scored = pipeline.Fit(data).Transform(data);
        return mlContext.Data.CreateEnumerable<ProbabilitiesRow>(scored, reuseRowObject: false)
            .Select(r => r.Probabilities).ToArray();
    }
    // --- example ends

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void An_export_with_baked_normalisation_scores_in_ApplyOnnxModel_like_the_model()
    {
        string path = Path.Combine(_folder, "kermany.onnx");
        fixture.Model.ExportOnnx(path, bakeNormalization: true);

        float[][] scores = ScoreWithMLNet(path, fixture.Images);

        Assert.Equal(fixture.Images.Count, scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            var expected = fixture.Model.Predict(fixture.Images[i]).Probabilities;
            for (int k = 0; k < expected.Count; k++) Assert.Equal(expected[k], scores[i][k], 1e-5f);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
