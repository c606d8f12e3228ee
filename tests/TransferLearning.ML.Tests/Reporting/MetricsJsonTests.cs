using System.Globalization;
using System.Text.Json;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Reporting;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Tests.Reporting;

public sealed class MetricsJsonTests
{
    private static ClassificationMetrics Binary() => SyntheticRun.Report(bootstrapSamples: 100).Metrics!;

    [Fact]
    public void Top_level_keys_are_camel_case_metric_names()
    {
        using var json = JsonDocument.Parse(MetricsJson.ToJson(Binary()));
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "accuracy", "rocAuc", "balancedAccuracy", "prAuc", "logLoss", "perClass",
            "confusionMatrix", "confidenceIntervals", "threshold", "macro", "weighted", "cohenKappa", "quadraticWeightedKappa",
            "expectedCalibrationError", "classNames" }, keys);
    }

    [Fact]
    public void Values_round_trip_exactly()
    {
        var metrics = Binary();
        using var json = JsonDocument.Parse(MetricsJson.ToJson(metrics));
        Assert.Equal(metrics.Accuracy, json.RootElement.GetProperty("accuracy").GetDouble());
        Assert.Equal(metrics.RocAuc, json.RootElement.GetProperty("rocAuc").GetDouble());
        Assert.Equal(metrics.ConfidenceIntervals!.RocAuc.Lower,
            json.RootElement.GetProperty("confidenceIntervals").GetProperty("rocAuc").GetProperty("lower").GetDouble());
        Assert.Equal(metrics.ConfusionMatrix[1, 0], json.RootElement.GetProperty("confusionMatrix")[1][0].GetInt32());
    }

    [Fact]
    public void Undefined_values_are_written_as_null()
    {
        var metrics = MetricsCalculator.Compute([1, 1], new float[,] { { 0.3f, 0.7f }, { 0.6f, 0.4f } }, ["a", "b"],
            new MetricsOptions { BootstrapSamples = 0 });
        using var json = JsonDocument.Parse(MetricsJson.ToJson(metrics));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rocAuc").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("confidenceIntervals").ValueKind);
    }

    [Fact]
    public void Extra_entries_are_added_at_the_top_level()
    {
        var extra = new Dictionary<string, object?> { ["model"] = "mobilenetv2", ["epochs"] = 12 };
        using var json = JsonDocument.Parse(MetricsJson.ToJson(Binary(), extra));
        Assert.Equal("mobilenetv2", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(12, json.RootElement.GetProperty("epochs").GetInt32());
    }

    [Fact]
    public void An_extra_entry_may_not_overwrite_a_metric()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            MetricsJson.ToJson(Binary(), new Dictionary<string, object?> { ["accuracy"] = 1.0 }));
        Assert.Contains("'accuracy'", error.Message);
    }

    [Fact]
    public void History_csv_has_the_keras_header_and_one_row_per_epoch()
    {
        var history = SyntheticRun.History();
        string[] lines = HistoryCsv.ToCsv(history).TrimEnd('\n').Split('\n');
        Assert.Equal("epoch,phase,loss,accuracy,val_loss,val_accuracy,val_roc_auc,lr,seconds,train_seconds,train_images_per_second", lines[0]);
        Assert.Equal(history.Count + 1, lines.Length);
        string[] first = lines[1].Split(',');
        Assert.Equal("1", first[0]);
        Assert.Equal("head", first[1]);
        Assert.Equal(history[0].TrainLoss, double.Parse(first[2], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void History_csv_ignores_the_current_culture_and_writes_nan_for_missing_values()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            string csv = HistoryCsv.ToCsv([new EpochMetrics(1, "head, frozen", 0.5, 0.75, double.NaN, double.NaN, double.NaN, 0.001, 12.5, 10, 25)]);
            Assert.Equal("1,\"head, frozen\",0.5,0.75,nan,nan,nan,0.001,12.5,10,2.5", csv.Split('\n')[1]);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Writing_replaces_an_existing_file_in_one_step()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tl-json-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, "metrics.json");
            Directory.CreateDirectory(folder);
            File.WriteAllText(path, "old");
            MetricsJson.Write(path, Binary());
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            Assert.True(json.RootElement.TryGetProperty("accuracy", out _));
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
