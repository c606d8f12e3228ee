using System.Globalization;
using System.Text;

namespace TransferLearning.ML.Data;

/// <summary>How many images of each class each split holds; <see cref="ToString"/> prints it as a table.</summary>
public sealed class SplitSummary
{
    /// <summary>Creates a summary.</summary>
    /// <param name="classNames">Class names in label order.</param>
    /// <param name="splits">Split name and class counts (label order) of each split.</param>
    public SplitSummary(IReadOnlyList<string> classNames, IReadOnlyList<(string Split, IReadOnlyList<int> Counts)> splits)
    {
        ClassNames = classNames;
        Splits = splits;
    }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Each split's name and class counts, in label order.</summary>
    public IReadOnlyList<(string Split, IReadOnlyList<int> Counts)> Splits { get; }

    /// <summary>The class counts of the named split.</summary>
    /// <exception cref="KeyNotFoundException">No split has that name.</exception>
    public IReadOnlyList<int> CountsOf(string split) =>
        Splits.FirstOrDefault(s => s.Split == split).Counts ?? throw new KeyNotFoundException($"No split named '{split}'.");

    /// <summary>A fixed-width table: one row per split, one column per class, then the total.</summary>
    public override string ToString()
    {
        int nameWidth = Math.Max(5, Splits.Max(s => s.Split.Length));
        int[] widths = ClassNames.Select(n => Math.Max(6, n.Length)).ToArray();
        var text = new StringBuilder();
        text.Append("split".PadRight(nameWidth));
        for (int c = 0; c < ClassNames.Count; c++) text.Append("  ").Append(ClassNames[c].PadLeft(widths[c]));
        text.Append("   total\n");
        foreach ((string split, IReadOnlyList<int> counts) in Splits)
        {
            text.Append(split.PadRight(nameWidth));
            for (int c = 0; c < counts.Count; c++)
                text.Append("  ").Append(counts[c].ToString(CultureInfo.InvariantCulture).PadLeft(widths[c]));
            text.Append("  ").Append(counts.Sum().ToString(CultureInfo.InvariantCulture).PadLeft(6)).Append('\n');
        }
        return text.ToString();
    }
}
