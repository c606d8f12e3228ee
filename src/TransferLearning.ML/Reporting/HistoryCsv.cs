using System.Globalization;
using System.Text;
using TransferLearning.ML.Runtime;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// Writes the training history as <c>history.csv</c> in the style of Keras' CSVLogger: a header
/// <c>epoch,phase,loss,accuracy,val_loss,val_accuracy,val_roc_auc,lr,seconds,train_seconds,train_images_per_second</c>, one row per epoch, invariant
/// culture, shortest round-trip numbers, <c>nan</c> for a missing value (pandas reads it as NaN).
/// </summary>
internal static class HistoryCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "epoch,phase,loss,accuracy,val_loss,val_accuracy,val_roc_auc,lr,seconds,train_seconds,train_images_per_second";

    /// <summary>Writes <paramref name="epochs"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="path">Destination, usually <c>history.csv</c>; its folder is created.</param>
    /// <param name="epochs">One row per epoch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="epochs"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IReadOnlyList<EpochMetrics> epochs) => AtomicFile.WriteAllText(path, ToCsv(epochs));

    /// <summary>The CSV text <see cref="Write"/> writes (lines end with \n).</summary>
    /// <param name="epochs">One row per epoch.</param>
    /// <exception cref="ArgumentNullException"><paramref name="epochs"/> is null.</exception>
    public static string ToCsv(IReadOnlyList<EpochMetrics> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var e in epochs)
        {
            csv.Append(e.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
               .Append(Field(e.Phase)).Append(',')
               .AppendJoin(',', new[] { e.TrainLoss, e.TrainAccuracy, e.ValidationLoss, e.ValidationAccuracy, e.ValidationRocAuc, e.LearningRate, e.Seconds, e.TrainSeconds, e.TrainImagesPerSecond }.Select(Number))
               .Append('\n');
        }
        return csv.ToString();
    }

    private static string Number(double value) =>
        double.IsNaN(value) ? "nan" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting, only where needed.</summary>
    private static string Field(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : '"' + text.Replace("\"", "\"\"") + '"';
}
