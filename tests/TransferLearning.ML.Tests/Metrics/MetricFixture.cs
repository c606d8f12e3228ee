using System.Text.Json;
using System.Text.Json.Serialization;

namespace TransferLearning.ML.Tests.Metrics;

/// <summary>
/// One case written by scripts/make-metric-fixtures.py: labels, float32 probabilities and scikit-learn's values.
/// </summary>
public sealed record MetricFixture(
    string Name,
    string Description,
    string Generator,
    string[] ClassNames,
    double Threshold,
    int[] Labels,
    double[][] Probabilities,
    MetricFixture.ExpectedValues Expected)
{
    public static readonly string[] Names =
        ["binary", "binary-youden-threshold", "multiclass-3", "multiclass-5-never-predicted", "ordinal-5-class"];

    public static readonly string[] BinaryNames = ["binary", "binary-youden-threshold"];

    public static IEnumerable<object[]> All => Names.Select(name => new object[] { name });

    public static IEnumerable<object[]> Binary => BinaryNames.Select(name => new object[] { name });

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static MetricFixture Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "metrics", name + ".json");
        return JsonSerializer.Deserialize<MetricFixture>(File.ReadAllText(path), JsonOptions)
               ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>The probabilities as the float32 matrix a network gives (the JSON holds their exact double values).</summary>
    public float[,] ProbabilityMatrix()
    {
        var matrix = new float[Probabilities.Length, ClassNames.Length];
        for (int i = 0; i < Probabilities.Length; i++)
            for (int c = 0; c < ClassNames.Length; c++)
                matrix[i, c] = (float)Probabilities[i][c];
        return matrix;
    }

    public float[] Column(int c) => [.. Probabilities.Select(row => (float)row[c])];

    public sealed record Averages(double Precision, double Recall, double F1, double Specificity);

    public sealed record Curve(double[] Fpr, double[] Tpr, double[] Thresholds);

    public sealed record ExpectedValues(
        double Accuracy,
        double BalancedAccuracy,
        double[] Precision,
        double[] Recall,
        double[] F1,
        int[] Support,
        double[] Specificity,
        Averages Macro,
        Averages Weighted,
        double RocAuc,
        double[] RocAucPerClass,
        double AveragePrecision,
        double[] AveragePrecisionPerClass,
        double LogLoss,
        double CohenKappa,
        double QuadraticKappa,
        int[][] ConfusionMatrix,
        double ExpectedCalibrationError,
        Curve? RocCurve,
        Dictionary<string, double?>? Thresholds);
}
