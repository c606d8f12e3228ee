using System.Text.Json.Nodes;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Cli;

/// <summary>
/// Determinism across processes, which an in-process test cannot see: anything seeded from a per-process value
/// (HashCode.Combine, string.GetHashCode) gives a different model in every run. Two `tl train` processes with the
/// same seed and threads must write the same metrics and the same model.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class CrossProcessDeterminismTests : IDisposable
{
    private readonly string _root = TrainingData.TemporaryDirectory("cross-process");

    [SharedTheory(TrainingData.MobileNet, "datasets/breastmnist")]
    [InlineData("features", "--epochs 30")]
    [InlineData("finetune", "--epochs 1 --image-size 64")]
    public void Two_processes_with_the_same_seed_train_the_same_model(string mode, string extra)
    {
        var first = Train(mode, extra, "a");
        var second = Train(mode, extra, "b");
        Assert.Equal(first.Metrics["accuracy"]!.GetValue<double>(), second.Metrics["accuracy"]!.GetValue<double>());
        Assert.Equal(first.Metrics["rocAuc"]!.GetValue<double>(), second.Metrics["rocAuc"]!.GetValue<double>());
        Assert.Equal(first.Model, second.Model);
    }

    private (JsonObject Metrics, byte[] Model) Train(string mode, string extra, string name)
    {
        string output = Path.Combine(_root, name);
        string data = RepositoryPaths.SharedDataset("breastmnist");
        string arguments = $"\"{Path.Combine(AppContext.BaseDirectory, "tl.dll")}\" train --train \"{Path.Combine(data, "train")}\" " +
                           $"--validation \"{Path.Combine(data, "val")}\" --weights \"{RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")}\" " +
                           $"--mode {mode} {extra} --max-per-class 40 --threads 2 --seed 5 --out \"{output}\"";
        var result = ProcessRunner.Run("dotnet", arguments, _root, TimeSpan.FromMinutes(5),
            new Dictionary<string, string?> { ["TL_FEATURE_CACHE"] = Path.Combine(_root, "features-" + name) });
        Assert.True(result.ExitCode == 0, result.ToString());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")))!.AsObject();
        return (metrics, ModelWeights(Path.Combine(output, "model.tlmodel")));
    }

    /// <summary>The ONNX graph inside the saved model (the archive itself also records the date).</summary>
    private static byte[] ModelWeights(string path)
    {
        using var model = TransferLearning.ML.Models.TransferModel.Load(path);
        return model.ToOnnxBytes();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
