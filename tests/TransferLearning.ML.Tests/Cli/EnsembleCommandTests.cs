using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Tests.Models;
using TransferLearning.ML.Tests.Training;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Cli;

/// <summary><c>tl ensemble</c> on two real saved models (MobileNetV2 and ResNet18 feature extraction), and its failures in flag words.</summary>
[Collection(TrainingCollection.Name)]
public sealed class EnsembleCommandTests(EnsembleFixture fixture, ITestOutputHelper log) : IClassFixture<EnsembleFixture>, IDisposable
{
    private const string Needs = TrainingData.MobileNet;
    private readonly TempFolder _work = new();

    private (int Exit, string Output, string Error) Tl(params string[] args)
    {
        var r = TlRunner.Run(args);
        log.WriteLine($"tl {string.Join(' ', args)}\n→ exit {r.Exit}\n{r.Output}\n{r.Error}");
        return r;
    }

    private (string MobileNet, string ResNet) SavedMembers()
    {
        string a = _work.File("mobilenet.tlmodel"), b = _work.File("resnet.tlmodel");
        fixture.MobileNet.Save(a);
        fixture.ResNet.Save(b);
        return (a, b);
    }

    private static void AssertError((int Exit, string Output, string Error) result, int code, params string[] words)
    {
        Assert.True(code == result.Exit, $"exit {result.Exit}, expected {code}; stderr:\n{result.Error}");
        string[] errors = result.Error.Split('\n').Where(l => l.StartsWith("tl: error: ", StringComparison.Ordinal)).ToArray();
        Assert.True(errors.Length == 1, $"expected one error line; stderr:\n{result.Error}");
        foreach (string word in words) Assert.Contains(word, errors[0]);
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void Ensemble_writes_a_model_that_predicts_the_mean_and_scores_it_on_validation()
    {
        var (a, b) = SavedMembers();
        string output = _work.File("out", "ensemble.tlmodel");
        string validation = RepositoryPaths.SharedDataset("pneumoniamnist", "val");
        var result = Tl("ensemble", "--models", a, b, "--out", output, "--validation", validation, "--threshold", "youden", "--bootstrap", "0");
        Assert.True(result.Exit == 0, result.Error);
        Assert.Contains("ensemble", result.Output);
        Assert.Contains("validation accuracy", result.Output);

        using var loaded = TransferModel.Load(output);
        Assert.Equal(2, loaded.EnsembleMembers.Count);
        Assert.Equal(ML.Metrics.ThresholdPolicy.Youden, loaded.ThresholdPolicy);
        Assert.NotNull(loaded.ValidationScores);
        foreach (string image in fixture.Images)
        {
            var p = loaded.Predict(image).Probabilities;
            var pa = fixture.MobileNet.Predict(image).Probabilities;
            var pb = fixture.ResNet.Predict(image).Probabilities;
            for (int k = 0; k < p.Count; k++) Assert.Equal((pa[k] + pb[k]) / 2, p[k], 1e-5);
        }
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void Failures_name_the_flag_or_file_and_use_the_documented_exit_codes()
    {
        var (a, b) = SavedMembers();
        string output = _work.File("bad.tlmodel");

        using (var renamed = new TransferModel(fixture.ResNet.ToOnnxBytes(), fixture.ResNet.Manifest with { ClassNames = ["x", "y"] }))
            renamed.Save(_work.File("renamed.tlmodel"));
        AssertError(Tl("ensemble", "--models", a, _work.File("renamed.tlmodel"), "--out", output), 2,
            $"--models {_work.File("renamed.tlmodel")}", "[x, y]", "[normal, pneumonia]", "tl train --classes");
        Assert.DoesNotContain("members[", Tl("ensemble", "--models", a, _work.File("renamed.tlmodel"), "--out", output).Error);

        AssertError(Tl("ensemble", "--models", a, "--out", output), 2, "--models needs at least two");
        AssertError(Tl("ensemble", "--models", a, b, "--weights", "1", "--out", output), 2, "--weights has 1 values for 2 --models");
        AssertError(Tl("ensemble", "--models", a, b, "--weights", "1", "0", "--out", output), 2, "--weights 0");
        AssertError(Tl("ensemble", "--models", a, b, "--threshold", "youden", "--out", output), 2, "--threshold youden needs --validation");
        AssertError(Tl("ensemble", "--models", a, _work.File("missing.tlmodel"), "--out", output), 3, "missing.tlmodel");
        AssertError(Tl("ensemble", "--models", a, b, "--out", output, "--validation", _work.File("no-such-folder")), 3, "--validation");
        Assert.False(File.Exists(output), "no model is written when the command fails");
    }

    public void Dispose() => _work.Dispose();
}
