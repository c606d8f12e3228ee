using System.Reflection;
using System.Text.Json;

namespace TransferLearning.ML.Tests.Cli;

/// <summary>
/// <c>tl train … &amp;&amp; tl evaluate … &amp;&amp; tl predict … &amp;&amp; tl export …</c> on real chest X-rays, run in-process
/// through the tool's entry point, and its exit codes for bad input.
/// </summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class TlCommandTests : IDisposable
{
    private const string MobileNet = "models/mobilenetv2-imagenet.onnx";
    private const string Kermany = "datasets/kermany-cxr/train";
    private readonly string _work = Directory.CreateTempSubdirectory("tl-cli-").FullName;

    private static int Tl(params string[] args)
    {
        var entry = Assembly.Load("tl").EntryPoint!;
        object? result = entry.Invoke(null, [args]);
        return result is Task<int> task ? task.GetAwaiter().GetResult() : (int)result!;
    }

    /// <summary>Disjoint train and test folders of real X-rays (copies, so the test set is external to training).</summary>
    private (string Train, string Test) Folders()
    {
        string train = Path.Combine(_work, "train"), test = Path.Combine(_work, "test");
        foreach (string cls in new[] { "NORMAL", "PNEUMONIA" })
        {
            var files = Directory.GetFiles(RepositoryPaths.SharedDataset("kermany-cxr", "train", cls)).Order(StringComparer.Ordinal).ToList();
            Directory.CreateDirectory(Path.Combine(train, cls));
            Directory.CreateDirectory(Path.Combine(test, cls));
            foreach (string f in files.Take(16)) File.Copy(f, Path.Combine(train, cls, Path.GetFileName(f)));
            foreach (string f in files.Skip(16).Take(6)) File.Copy(f, Path.Combine(test, cls, Path.GetFileName(f)));
        }
        return (train, test);
    }

    [SharedFact(MobileNet, Kermany)]
    public void Train_evaluate_predict_and_export_work_from_the_command_line()
    {
        var (train, test) = Folders();
        string run = Path.Combine(_work, "run");
        Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", Path.Combine(_work, "features"));
        try
        {
            Assert.Equal(0, Tl("train", "--train", train, "--test", test, "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
                "--mode", "features", "--epochs", "10", "--out", run));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", null);
        }
        string model = Path.Combine(run, "model.tlmodel");
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
        {
            Assert.Equal("test", metrics.RootElement.GetProperty("evaluatedSplit").GetString());
            Assert.Equal(12, metrics.RootElement.GetProperty("sampleCount").GetInt32());
            Assert.InRange(metrics.RootElement.GetProperty("accuracy").GetDouble(), 0, 1);
            Assert.InRange(metrics.RootElement.GetProperty("rocAuc").GetDouble(), 0, 1);
        }
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
        Assert.True(File.Exists(Path.Combine(run, "history.csv")));

        Assert.Equal(0, Tl("evaluate", "--model", model, "--data", test, "--out", Path.Combine(_work, "eval"), "--bootstrap", "0"));
        Assert.True(File.Exists(Path.Combine(_work, "eval", "metrics.json")));
        Assert.Equal(0, Tl("predict", "--model", model, Path.Combine(test, "NORMAL"), "--json"));
        Assert.Equal(0, Tl("export", "--model", model, "--out", Path.Combine(_work, "model.onnx")));
        Assert.True(new FileInfo(Path.Combine(_work, "model.onnx")).Length > 1_000_000);
        Assert.Equal(0, Tl("report", "--model", model, "--data", test, "--out", Path.Combine(_work, "report"), "--examples", "2"));
        Assert.True(File.Exists(Path.Combine(_work, "report", "report.html")));
    }

    [SharedFact(MobileNet, Kermany)]
    public void Train_with_head_linear_fits_the_ML_NET_logistic_regression_head()
    {
        var (train, test) = Folders();
        string run = Path.Combine(_work, "run-linear");
        Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", Path.Combine(_work, "features"));
        try
        {
            Assert.Equal(0, Tl("train", "--train", train, "--test", test, "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
                "--mode", "features", "--head", "linear", "--out", run));
        }
        finally
        {
            Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", null);
        }
        // one history row per L2 candidate of the default grid
        var rows = File.ReadAllLines(Path.Combine(run, "history.csv")).Skip(1).ToList();
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.Contains(",logreg,", r));
        Assert.Equal(2, Tl("train", "--train", train, "--weights", "w.onnx", "--mode", "features", "--head", "forest", "--out", run));
    }

    [Fact]
    public void A_missing_required_option_is_a_usage_error()
    {
        Assert.Equal(2, Tl("train", "--out", _work));
    }

    [Fact]
    public void A_missing_model_file_is_an_input_error()
    {
        Assert.Equal(3, Tl("predict", "--model", Path.Combine(_work, "absent.tlmodel"), Path.Combine(_work, "x.png")));
    }

    [Fact]
    public void A_missing_training_folder_is_an_input_error()
    {
        Assert.Equal(3, Tl("train", "--train", Path.Combine(_work, "absent"), "--weights", Path.Combine(_work, "w.onnx"), "--out", _work));
    }

    [Fact]
    public void Backbones_lists_the_catalog()
    {
        Assert.Equal(0, Tl("backbones"));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
