using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Tests.Cli;

/// <summary>
/// <c>tl train</c> on the real ImageNet ResNet18 that the Microsoft.ML.DnnImageFeaturizer.ResNet18 package puts
/// beside the tool (a headless CNTK export with a fixed batch of 1 and BGR 0–255 input): by catalog name, and by
/// file with the feature tensor and preprocessing given as flags.
/// </summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class ResNet18CommandLineTests : IDisposable
{
    private const string Kermany = "datasets/kermany-cxr/train";
    private readonly string _work = Directory.CreateTempSubdirectory("tl-resnet18-").FullName;

    private static string ResNet18File => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private static (int Exit, string Output) Tl(params string[] args)
    {
        var (exit, output, error) = TlRunner.Run(args);
        return (exit, output + error);
    }

    private string Folder(int perClass)
    {
        string root = Path.Combine(_work, "train");
        foreach (string cls in new[] { "NORMAL", "PNEUMONIA" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            foreach (string f in Directory.GetFiles(RepositoryPaths.SharedDataset("kermany-cxr", "train", cls)).Order(StringComparer.Ordinal).Take(perClass))
                File.Copy(f, Path.Combine(root, cls, Path.GetFileName(f)));
        }
        return root;
    }

    [SharedFact(Kermany)]
    public void Fine_tuning_the_catalog_resnet18_exports_an_onnx_model_that_predicts_as_tl_predict_does()
    {
        string train = Folder(perClass: 8), run = Path.Combine(_work, "run");
        var (exit, output) = Tl("train", "--train", train, "--backbone", "resnet18", "--mode", "finetune", "--epochs", "1",
            "--unfreeze", "1", "--batch-size", "8", "--val-fraction", "0.3", "--out", run);
        Assert.True(exit == 0, output);
        Assert.Contains("Pooling395_Output_0", output);
        Assert.Contains("BGR", output);

        string model = Path.Combine(run, "model.tlmodel"), onnx = Path.Combine(_work, "resnet18.onnx");
        Assert.Equal(0, Tl("export", "--model", model, "--out", onnx).Exit);
        string images = Path.Combine(train, "PNEUMONIA");
        var (predictExit, predictOutput) = Tl("predict", "--model", model, images, "--json");
        Assert.Equal(0, predictExit);
        var predicted = predictOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(e => e.GetProperty("image").GetString()!, e => e.GetProperty("probabilities"));
        Assert.Equal(8, predicted.Count);

        using var loaded = TransferModel.Load(model);
        var preprocessing = loaded.Preprocessing;
        Assert.Equal(ChannelOrder.BGR, preprocessing.ChannelOrder);
        var tensorizer = new Tensorizer(preprocessing);
        using var session = new InferenceSession(onnx);
        string input = session.InputMetadata.Keys.Single();
        Assert.Equal("Input247", input);
        Assert.Equal(-1, session.InputMetadata[input].Dimensions[0]); // the package's fixed batch of 1 became dynamic
        var rows = new List<PixelsRow>();
        foreach (var (image, probabilities) in predicted)
        {
            var pixels = new float[preprocessing.ValuesPerImage];
            tensorizer.Write(ImageDecoder.DecodeFile(image, preprocessing), pixels);
            rows.Add(new PixelsRow { Pixels = pixels });
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, preprocessing.Height, preprocessing.Width]);
            using var outputs = session.Run(new RunOptions(), [input], [value], ["probabilities"]);
            float[] exported = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            for (int k = 0; k < exported.Length; k++)
                Assert.Equal(probabilities.GetProperty(loaded.ClassNames[k]).GetSingle(), exported[k], 1e-4f);
        }

        // the same export in a plain ML.NET pipeline (ApplyOnnxModel), fed the same BGR planes
        var mlContext = new Microsoft.ML.MLContext();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var pipeline = mlContext.Transforms.ApplyOnnxModel(outputColumnNames: ["probabilities"], inputColumnNames: [input],
            modelFile: onnx, shapeDictionary: new Dictionary<string, int[]> { [input] = [1, 3, 224, 224] }, gpuDeviceId: null, fallbackToCpu: false);
        var scored = mlContext.Data.CreateEnumerable<ProbabilitiesRow>(pipeline.Fit(data).Transform(data), reuseRowObject: false).ToList();
        var expected = predicted.Values.ToList();
        Assert.Equal(expected.Count, scored.Count);
        for (int i = 0; i < scored.Count; i++)
            for (int k = 0; k < loaded.ClassNames.Count; k++)
                Assert.Equal(expected[i].GetProperty(loaded.ClassNames[k]).GetSingle(), scored[i].Probabilities[k], 1e-4f);
    }

    public sealed class PixelsRow
    {
        [Microsoft.ML.Data.ColumnName("Input247"), Microsoft.ML.Data.VectorType(3 * 224 * 224)]
        public float[] Pixels { get; set; } = [];
    }

    public sealed class ProbabilitiesRow
    {
        [Microsoft.ML.Data.ColumnName("probabilities")]
        public float[] Probabilities { get; set; } = [];
    }

    [SharedFact(Kermany)]
    public void A_headless_graph_uses_its_output_as_the_feature_tensor_and_says_so()
    {
        string train = Folder(perClass: 8);
        var (exit, output) = Tl("train", "--train", train, "--weights", ResNet18File, "--mode", "features", "--epochs", "3",
            "--channel-order", "bgr", "--pixel-scale", "255", "--mean", "103.06,115.9,123.15", "--std", "1",
            "--val-fraction", "0.25", "--out", Path.Combine(_work, "features"));

        Assert.True(exit == 0, output);
        Assert.Contains("feature tensor Pooling395_Output_0", output);
        Assert.Contains("the graph output", output);
        Assert.Contains("pixels 0-255 minus mean 103.06,115.9,123.15", output);
    }

    [SharedFact(Kermany)]
    public void A_feature_tensor_that_is_not_in_the_graph_is_an_error_naming_the_flag()
    {
        var (exit, _, error) = TlRunner.Run("train", "--train", Folder(perClass: 2), "--weights", ResNet18File, "--feature-tensor", "Pooling999",
            "--out", Path.Combine(_work, "bad"));

        Assert.Equal(3, exit);
        Assert.Contains("--feature-tensor Pooling999", error);
        Assert.Contains("Pooling395_Output_0", error); // among the near names
    }

    [SharedFact(Kermany)]
    public void Mean_without_std_is_a_usage_error_naming_both_flags()
    {
        var (exit, _, error) = TlRunner.Run("train", "--train", Folder(perClass: 2), "--weights", ResNet18File, "--mean", "114.5",
            "--out", Path.Combine(_work, "x"));

        Assert.Equal(2, exit);
        Assert.Contains("--mean was given without --std", error);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
