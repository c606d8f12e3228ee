using System.Text.Json;
using System.Text.Json.Nodes;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// Writes <c>metrics.json</c>: every metric under a camelCase key (<c>accuracy</c>, <c>balancedAccuracy</c>,
/// <c>rocAuc</c>, <c>prAuc</c>, <c>logLoss</c>, …, <c>perClass</c>, <c>macro</c>, <c>weighted</c>,
/// <c>confusionMatrix</c> (rows = true class), <c>confidenceIntervals</c>, <c>calibration</c>, <c>threshold</c>),
/// plus caller-supplied extra top-level entries. Undefined values (NaN, infinity) are written as <c>null</c>, and
/// each undefined top-level metric is explained under <c>undefined</c> (e.g. <c>"rocAuc": "ROC-AUC needs images of
/// at least two classes; every evaluated image is of class NORMAL"</c>), see <see cref="UndefinedMetrics"/>.
/// </summary>
public static class MetricsJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>For extra entries: a NaN or infinity anywhere becomes null instead of failing the whole file.</summary>
    private static readonly JsonSerializerOptions Finite = new(Indented) { Converters = { new FiniteDoubleConverter(), new FiniteFloatConverter() } };

    private sealed class FiniteDoubleConverter : System.Text.Json.Serialization.JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }

        public override bool HandleNull => true;
    }

    private sealed class FiniteFloatConverter : System.Text.Json.Serialization.JsonConverter<float>
    {
        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? float.NaN : reader.GetSingle();

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }

        public override bool HandleNull => true;
    }

    /// <summary>Writes the metrics to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="path">Destination, usually <c>metrics.json</c>; its folder is created.</param>
    /// <param name="metrics">The metrics.</param>
    /// <param name="extra">Extra top-level entries (run id, model, dataset …), serialised with System.Text.Json; default none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or an extra key repeats a metric key.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ClassificationMetrics metrics, IReadOnlyDictionary<string, object?>? extra = null) =>
        AtomicFile.WriteAllText(path, ToJson(metrics, extra) + "\n");

    /// <summary>The JSON text <see cref="Write"/> writes.</summary>
    /// <param name="metrics">The metrics.</param>
    /// <param name="extra">Extra top-level entries; default none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="metrics"/> is null.</exception>
    /// <exception cref="ArgumentException">An extra key repeats a metric key.</exception>
    public static string ToJson(ClassificationMetrics metrics, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var root = new JsonObject
        {
            ["accuracy"] = Number(metrics.Accuracy),
            ["balancedAccuracy"] = Number(metrics.BalancedAccuracy),
            ["rocAuc"] = Number(metrics.RocAuc),
            ["prAuc"] = Number(metrics.PrAuc),
            ["logLoss"] = Number(metrics.LogLoss),
            ["logLossReduction"] = Number(metrics.LogLossReduction),
            ["cohenKappa"] = Number(metrics.CohenKappa),
            ["quadraticWeightedKappa"] = Number(metrics.QuadraticWeightedKappa),
            ["expectedCalibrationError"] = Number(metrics.ExpectedCalibrationError),
            ["sensitivity"] = Number(metrics.Sensitivity),
            ["specificity"] = Number(metrics.Specificity),
            ["threshold"] = metrics.Threshold is { } threshold ? Number(threshold) : null,
            ["sampleCount"] = metrics.SampleCount,
            ["classNames"] = new JsonArray([.. metrics.ClassNames.Select(n => JsonValue.Create(n))]),
            ["macro"] = Averages(metrics.Macro),
            ["weighted"] = Averages(metrics.Weighted),
            ["perClass"] = new JsonArray([.. metrics.PerClass.Select(PerClass)]),
            ["confusionMatrix"] = new JsonArray([.. metrics.ConfusionMatrix.ToRows().Select(row => new JsonArray([.. row.Select(c => JsonValue.Create(c))]))]),
            ["confidenceIntervals"] = metrics.ConfidenceIntervals is { } ci ? Intervals(ci) : null,
            ["calibration"] = new JsonArray([.. metrics.Calibration.Select(Bin)]),
        };
        var undefined = UndefinedMetrics.Reasons(metrics);
        if (undefined.Count > 0)
        {
            var reasons = new JsonObject();
            foreach (var (key, reason) in undefined)
            {
                reasons[key] = reason;
                root[key] = null;
            }
            root["undefined"] = reasons;
        }
        if (extra is not null)
            foreach (var (key, value) in extra)
            {
                if (root.ContainsKey(key))
                    throw new ArgumentException($"Extra entry '{key}' would overwrite the metric of that name in metrics.json; rename it.", nameof(extra));
                root[key] = JsonSerializer.SerializeToNode(value, Finite);
            }
        return root.ToJsonString(Indented);
    }

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static JsonObject Averages(AveragedMetrics a) => new()
    {
        ["precision"] = Number(a.Precision),
        ["recall"] = Number(a.Recall),
        ["specificity"] = Number(a.Specificity),
        ["f1"] = Number(a.F1),
    };

    private static JsonObject PerClass(ClassMetrics c) => new()
    {
        ["index"] = c.Index,
        ["name"] = c.Name,
        ["precision"] = Number(c.Precision),
        ["recall"] = Number(c.Recall),
        ["specificity"] = Number(c.Specificity),
        ["f1"] = Number(c.F1),
        ["support"] = c.Support,
        ["predictedCount"] = c.PredictedCount,
        ["rocAuc"] = Number(c.RocAuc),
        ["averagePrecision"] = Number(c.AveragePrecision),
    };

    private static JsonObject? Interval(ConfidenceInterval? interval) => interval is null
        ? null
        : new JsonObject { ["lower"] = Number(interval.Lower), ["upper"] = Number(interval.Upper) };

    private static JsonObject Intervals(BootstrapIntervals ci) => new()
    {
        ["method"] = "percentile bootstrap",
        ["level"] = ci.Level,
        ["samples"] = ci.Samples,
        ["seed"] = ci.Seed,
        ["accuracy"] = Interval(ci.Accuracy),
        ["balancedAccuracy"] = Interval(ci.BalancedAccuracy),
        ["rocAuc"] = Interval(ci.RocAuc),
        ["sensitivity"] = Interval(ci.Sensitivity),
        ["specificity"] = Interval(ci.Specificity),
    };

    private static JsonObject Bin(CalibrationBin b) => new()
    {
        ["lower"] = b.Lower,
        ["upper"] = b.Upper,
        ["count"] = b.Count,
        ["meanConfidence"] = Number(b.MeanConfidence),
        ["accuracy"] = Number(b.Accuracy),
    };
}
