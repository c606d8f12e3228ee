using System.Collections;
using System.Globalization;
using System.Reflection;

namespace TransferLearning.ML.Training;

/// <summary>
/// Options records as readable <c>name = value</c> rows for reports and metrics.json: one row per public property,
/// nested option records flattened with dotted names (<c>EarlyStopping.Patience</c>), numbers in invariant culture
/// rounded to 6 significant digits, lists joined with commas. Nothing is dumped as a C# record.
/// </summary>
internal static class OptionsDescription
{
    public static IEnumerable<KeyValuePair<string, string>> Flatten(object options, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (PropertyInfo property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                     // a recipe's kind is the configuration's "mode" row, not one of its options
                     .Where(p => !(options is TrainingRecipe && p.Name == nameof(TrainingRecipe.Mode))))
        {
            object? value = property.GetValue(options);
            string name = prefix + property.Name;
            if (value is not null && IsLibraryRecord(value.GetType()))
            {
                // an options record is its rows; another record (a schedule, a threshold policy) says its kind first
                if (!value.GetType().Name.EndsWith("Options", StringComparison.Ordinal)) yield return new(name, value.GetType().Name);
                foreach (var row in Flatten(value, name + ".")) yield return row;
                continue;
            }
            yield return new(name, Format(value));
        }
    }

    internal static string Format(object? value) => value switch
    {
        null => "default",
        string text => text,
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Format)),
        _ => value.GetType().GetMethod("ToString", Type.EmptyTypes)?.DeclaringType == typeof(object) ? value.GetType().Name : value.ToString() ?? "",
    };

    // the library's own records (EarlyStoppingOptions, HeadOptions, schedules, ...) are flattened; other values formatted
    private static bool IsLibraryRecord(Type type) =>
        type.Namespace?.StartsWith("TransferLearning.ML", StringComparison.Ordinal) == true && type.GetMethod("<Clone>$") is not null;
}
