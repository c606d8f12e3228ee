using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

public sealed class OnnxExportTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = TrainingData.TemporaryDirectory("model-export");

    [SharedTheory(TrainingData.MobileNet, TrainingData.Kermany)]
    [InlineData(false)]
    [InlineData(true)]
    public void A_plain_InferenceSession_on_the_export_gives_the_models_probabilities(bool bakeNormalization)
    {
        string path = Path.Combine(_folder, "model.onnx");
        fixture.Model.ExportOnnx(path, bakeNormalization);
        var preprocessing = bakeNormalization
            ? fixture.Model.Preprocessing with { Normalization = Normalization.ZeroToOne }
            : fixture.Model.Preprocessing;
        var tensorizer = new Tensorizer(preprocessing);
        using var session = new InferenceSession(path);
        string input = session.InputMetadata.Keys.Single();
        Assert.Equal(bakeNormalization ? "true" : "false", session.ModelMetadata.CustomMetadataMap["tl.normalizationInGraph"]);

        foreach (string image in fixture.Images)
        {
            var pixels = new float[preprocessing.ValuesPerImage];
            tensorizer.Write(ImageDecoder.DecodeFile(image, preprocessing), pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, preprocessing.Height, preprocessing.Width]);
            using var outputs = session.Run(new RunOptions(), [input], [value], ["probabilities"]);
            float[] exported = outputs[0].GetTensorDataAsSpan<float>().ToArray();

            var expected = fixture.Model.Predict(image).Probabilities;
            Assert.Equal(expected.Count, exported.Length);
            for (int k = 0; k < exported.Length; k++) Assert.Equal(expected[k], exported[k], 1e-5f);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void The_export_declares_opset_13_or_later_and_documents_classes_and_preprocessing()
    {
        string path = Path.Combine(_folder, "model.onnx");
        fixture.Model.ExportOnnx(path);
        var exported = OnnxModel.Load(path);

        Assert.True(exported.Opset >= 13, $"opset {exported.Opset}");
        Assert.Equal(["logits", "probabilities"], exported.Outputs.Select(o => o.Name).Order());
        var meta = exported.Metadata;
        Assert.Equal(fixture.Model.ClassNames, JsonSerializer.Deserialize<string[]>(meta["tl.classNames"]));
        using var preprocessing = JsonDocument.Parse(meta["tl.preprocessing"]);
        Assert.Equal(224, preprocessing.RootElement.GetProperty("Width").GetInt32());
        Assert.Equal([0.485f, 0.456f, 0.406f], preprocessing.RootElement.GetProperty("Mean").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal([0.229f, 0.224f, 0.225f], preprocessing.RootElement.GetProperty("Std").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Contains("(x - mean) / std", meta["tl.input"]);
        Assert.Equal("false", meta["tl.normalizationInGraph"]);
        Assert.Equal("TransferLearning.ML", exported.ProducerName);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
