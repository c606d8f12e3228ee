using System.Text.Json;
using System.Text.Json.Nodes;
using TransferLearning.ML.Runtime;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// Writes <c>crossvalidation.json</c>: <c>folds</c> (count), <c>byGroup</c>, <c>groups</c>, <c>images</c>,
/// <c>seconds</c>, <c>summary</c> (per metric: <c>mean</c>, <c>sd</c>, <c>ci95</c> [lower, upper], <c>perFold</c>) and
/// <c>perFold</c> (per fold: image counts, threshold, seconds and the fold's headline metrics); undefined values are
/// <c>null</c>. The file is written atomically.
/// </summary>
public static class CrossValidationJson
{
    /// <summary>Writes <paramref name="result"/> to <paramref name="path"/> atomically (its folder is created).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, CrossValidationResult result) => AtomicFile.WriteAllText(path, ToJson(result) + "\n");

    /// <summary>The JSON text of <paramref name="result"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static string ToJson(CrossValidationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = new JsonObject();
        foreach (var metric in result.Summary)
            summary[metric.Name] = new JsonObject
            {
                ["mean"] = Number(metric.Mean),
                ["sd"] = Number(metric.StandardDeviation),
                ["ci95"] = new JsonArray(Number(metric.Interval.Lower), Number(metric.Interval.Upper)),
                ["perFold"] = new JsonArray(metric.PerFold.Select(Number).ToArray()),
            };
        var folds = new JsonArray();
        foreach (var fold in result.Folds)
        {
            var row = new JsonObject
            {
                ["fold"] = fold.Index,
                ["train"] = fold.TrainCount,
                ["validation"] = fold.ValidationCount,
                ["heldOut"] = fold.HeldOut.Count,
                ["threshold"] = fold.Threshold is double t ? Number(t) : null,
                ["mode"] = fold.Recipe.Mode.ToString(),
                ["seconds"] = Math.Round(fold.Elapsed.TotalSeconds, 1),
            };
            foreach (var metric in result.Summary) row[metric.Name] = Number(metric.PerFold[fold.Index - 1]);
            folds.Add(row);
        }
        var root = new JsonObject
        {
            ["folds"] = result.Folds.Count,
            ["byGroup"] = result.ByGroup,
            ["groups"] = result.GroupCount,
            ["images"] = result.Images.Count,
            ["classNames"] = new JsonArray(result.Images.ClassNames.Select(n => (JsonNode?)n).ToArray()),
            ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 1),
            ["summary"] = summary,
            ["perFold"] = folds,
            ["configuration"] = new JsonObject(result.Configuration.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode? Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 6)) : null;
}
