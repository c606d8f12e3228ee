using System.Text;

namespace TransferLearning.ML.Data;

/// <summary>
/// Reads a CSV or TSV label list (path, label, optional group). The delimiter is a tab when the first line holds
/// one, else a comma (or a semicolon when the first line holds neither tab nor comma). Fields may be quoted with
/// double quotes. A first row whose path field is not an image file name is a header.
/// </summary>
internal static class CsvLabelList
{
    public static ImageDataset Read(string csvPath, ImageDatasetOptions options, string? pathColumn,
        string? labelColumn, string? groupColumn)
    {
        if (!File.Exists(csvPath))
            throw new ImageDataException($"Label list '{csvPath}' does not exist.", csvPath);
        string[] lines = File.ReadAllLines(csvPath);
        int first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first < 0)
            throw new ImageDataException($"Label list '{csvPath}' is empty; expected rows of path,label[,group].", csvPath);
        char delimiter = lines[first].Contains('\t') ? '\t' : lines[first].Contains(',') ? ',' : ';';
        string folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;

        List<string> firstRow = SplitRow(lines[first], delimiter);
        bool hasHeader = !ImageFolderReader.IsImageFile(firstRow[0].Trim()) || pathColumn is not null || labelColumn is not null;
        int pathIndex = 0, labelIndex = 1, groupIndex = firstRow.Count > 2 ? 2 : -1;
        if (hasHeader)
        {
            pathIndex = ColumnIndex(firstRow, pathColumn, 0, csvPath);
            labelIndex = ColumnIndex(firstRow, labelColumn, 1, csvPath);
            groupIndex = groupColumn is not null ? ColumnIndex(firstRow, groupColumn, -1, csvPath)
                : firstRow.Count > 2 && pathColumn is null && labelColumn is null ? 2 : -1;
        }
        else if (groupColumn is not null)
            throw new ImageDataException($"Label list '{csvPath}' has no header row, so column '{groupColumn}' cannot be found.", csvPath);

        var skipped = new List<SkippedFile>();
        var entries = new List<DatasetEntry>();
        for (int i = hasHeader ? first + 1 : first; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            List<string> row = SplitRow(lines[i], delimiter);
            int needed = Math.Max(pathIndex, Math.Max(labelIndex, groupIndex));
            if (row.Count <= needed)
                throw new ImageDataException(
                    $"Line {i + 1} of '{csvPath}' has {row.Count} field(s), expected at least {needed + 1} (path{delimiter}label).", csvPath);
            string relative = row[pathIndex].Trim();
            string label = row[labelIndex].Trim();
            if (label.Length == 0)
                throw new ImageDataException($"Line {i + 1} of '{csvPath}' has an empty label for '{relative}'.", csvPath);
            string path = Path.IsPathRooted(relative) ? relative : Path.GetFullPath(Path.Combine(folder, relative));
            if (!ImageFolderReader.CheckFile(path, options, skipped, $"line {i + 1} of '{csvPath}'")) continue;
            string? group = groupIndex >= 0 && row[groupIndex].Trim() is { Length: > 0 } g ? g : null;
            entries.Add(new DatasetEntry(ImageSource.FromFile(path), label, group));
        }
        return DatasetAssembler.Assemble(entries, options, skipped, $"'{csvPath}'");
    }

    private static int ColumnIndex(List<string> header, string? name, int fallback, string csvPath)
    {
        if (name is null) return fallback;
        int index = header.FindIndex(h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
            throw new ImageDataException(
                $"Column '{name}' is not in the header of '{csvPath}' (columns: {string.Join(", ", header)}).", csvPath);
        return index;
    }

    internal static List<string> SplitRow(string line, char delimiter)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == delimiter) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
