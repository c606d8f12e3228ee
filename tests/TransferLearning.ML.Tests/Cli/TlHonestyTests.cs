using System.Text.Json;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Tests.Cli;

/// <summary>
/// <c>tl</c> does what its flags say and says what it did: options keep their documented defaults unless a flag is
/// given, <c>--max-per-class</c> subsamples training only, predictions show the decision threshold, <c>tl evaluate
/// --out</c> writes predictions.csv, redirected output carries no markup, and the report lists options as rows.
/// </summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class TlHonestyTests : IDisposable
{
    private const string MobileNet = "models/mobilenetv2-imagenet.onnx";
    private const string Kermany = "datasets/kermany-cxr/train";
    private readonly string _work = Directory.CreateTempSubdirectory("tl-honest-").FullName;

    private (string Train, string Test) Folders(int train, int test)
    {
        string trainFolder = Path.Combine(_work, "train"), testFolder = Path.Combine(_work, "test");
        foreach (string cls in new[] { "NORMAL", "PNEUMONIA" })
        {
            var files = Directory.GetFiles(RepositoryPaths.SharedDataset("kermany-cxr", "train", cls)).Order(StringComparer.Ordinal).ToList();
            Directory.CreateDirectory(Path.Combine(trainFolder, cls));
            Directory.CreateDirectory(Path.Combine(testFolder, cls));
            foreach (string f in files.Take(train)) File.Copy(f, Path.Combine(trainFolder, cls, Path.GetFileName(f)));
            foreach (string f in files.Skip(train).Take(test)) File.Copy(f, Path.Combine(testFolder, cls, Path.GetFileName(f)));
        }
        return (trainFolder, testFolder);
    }

    [SharedFact(MobileNet, Kermany)]
    public void A_features_run_keeps_the_given_batch_size_tests_on_the_whole_test_folder_and_reports_what_it_did()
    {
        var (train, test) = Folders(train: 12, test: 5);
        string run = Path.Combine(_work, "run");
        Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", Path.Combine(_work, "features"));
        (int Exit, string Output, string Error) trained;
        try
        {
            trained = TlRunner.Run("train", "--train", train, "--test", test, "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
                "--mode", "features", "--epochs", "4", "--batch-size", "16", "--max-per-class", "8", "--image-size", "96",
                "--threshold", "prevalence:0.625", "--out", run);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", null);
        }
        Assert.True(trained.Exit == 0, trained.Output + trained.Error);

        // redirected output: plain text, and the input size actually used
        Assert.Contains("Training features on mobilenetv2-imagenet, input 96×96", trained.Output);
        Assert.DoesNotContain("[bold]", trained.Output);
        Assert.DoesNotContain("224×224", trained.Output);
        // --max-per-class 8 applies to --train only: all 10 test images are evaluated
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
            Assert.Equal(10, metrics.RootElement.GetProperty("sampleCount").GetInt32());
        // the options as rows, with the batch size given (features mode used to raise it to 64 silently)
        string report = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Matches(@"<td>BatchSize</td>\s*<td>16</td>", report);
        Assert.DoesNotContain("FeatureExtractionOptions {", report);

        string model = Path.Combine(run, "model.tlmodel");
        using (var saved = TransferModel.Load(model))
            Assert.Equal(ML.Metrics.ThresholdPolicy.Prevalence(0.625), saved.ThresholdPolicy);
        var predicted = TlRunner.Run("predict", "--model", model, Path.Combine(test, "NORMAL"), "--json");
        Assert.Equal(0, predicted.Exit);
        foreach (string line in predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var row = JsonDocument.Parse(line);
            Assert.InRange(row.RootElement.GetProperty("threshold").GetDouble(), 0, 1);
        }
        var table = TlRunner.Run("predict", "--model", model, Path.Combine(test, "NORMAL"));
        Assert.Contains("decision threshold", table.Output);

        string evaluation = Path.Combine(_work, "eval");
        Assert.Equal(0, TlRunner.Run("evaluate", "--model", model, "--data", test, "--out", evaluation, "--bootstrap", "0").Exit);
        string[] csv = File.ReadAllLines(Path.Combine(evaluation, "predictions.csv"));
        Assert.Equal("image,true_class,predicted_class,p_NORMAL,p_PNEUMONIA", csv[0]);
        Assert.Equal(11, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.Equal(5, line.Split(',').Length));
    }

    [SharedFact(MobileNet, Kermany)]
    public void Flags_of_another_mode_are_refused_naming_the_flag()
    {
        var (train, _) = Folders(train: 2, test: 0);
        var result = TlRunner.Run("train", "--train", train, "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
            "--mode", "features", "--unfreeze", "3", "--out", Path.Combine(_work, "x"));

        Assert.Equal(2, result.Exit);
        Assert.Contains("--unfreeze applies to --mode finetune only", result.Error);

        void Refused(string folder, string expected, params string[] flags)
        {
            var refused = TlRunner.Run(["train", "--train", train, "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"),
                .. flags, "--out", Path.Combine(_work, folder)]);
            Assert.Equal(2, refused.Exit);
            Assert.Contains(expected, refused.Error);
        }
        Refused("y", "--ema applies to --mode finetune and scratch only", "--mode", "features", "--ema", "1");
        Refused("z", "--mixup takes the α of Beta(α, α), 0 or above (was -0.5)", "--mixup", "-0.5");
        Refused("c", "--cutmix applies to --mode finetune and scratch only", "--mode", "features", "--cutmix", "1");
        Refused("d", "--cutmix takes the α of Beta(α, α), 0 or above (was -1)", "--cutmix", "-1");
        Refused("p", "--threshold prevalence:1.5: the prevalence is the share of the second class", "--threshold", "prevalence:1.5");
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
