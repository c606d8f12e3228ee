namespace TransferLearning.ML.Data;

/// <summary>An image found by a source before class names are turned into labels.</summary>
internal readonly record struct DatasetEntry(ImageSource Source, string ClassName, string? Group);

/// <summary>
/// Turns the images a source found into an <see cref="ImageDataset"/>: applies the class subset, the class order and
/// the per-class cap, and rejects sources a classifier cannot train on.
/// </summary>
internal static class DatasetAssembler
{
    public static ImageDataset Assemble(IReadOnlyList<DatasetEntry> entries, ImageDatasetOptions options,
        List<SkippedFile> skipped, string sourceName, IReadOnlyList<string>? classNamesFound = null)
    {
        IEnumerable<DatasetEntry> kept = entries;
        if (options.Classes is { } subset)
        {
            var wanted = new HashSet<string>(subset, StringComparer.Ordinal);
            var present = new HashSet<string>(entries.Select(e => e.ClassName), StringComparer.Ordinal);
            foreach (string name in wanted)
                if (!present.Contains(name) && !(classNamesFound?.Contains(name) ?? false))
                    throw new ImageDataException(
                        $"Class '{name}' asked for in ImageDatasetOptions.Classes is not in {sourceName} " +
                        $"(found: {string.Join(", ", present.Order(StringComparer.Ordinal))}).");
            foreach (DatasetEntry entry in entries.Where(e => !wanted.Contains(e.ClassName)))
                skipped.Add(new SkippedFile(entry.Source.DisplayName, $"class '{entry.ClassName}' not in ImageDatasetOptions.Classes"));
            kept = entries.Where(e => wanted.Contains(e.ClassName));
        }
        List<DatasetEntry> list = kept.ToList();
        string? pattern = options.GroupPattern == ImageDatasetOptions.DetectGroups
            ? GroupPatterns.Detect(list.Select(e => Path.GetFileNameWithoutExtension(e.Source.Path ?? e.Source.DisplayName)).ToList())
            : options.GroupPattern;
        if (pattern is { Length: > 0 }) list = WithGroupsFromFileNames(list, pattern);

        IReadOnlyList<string> classNames;
        if (options.ClassNames is { } given)
        {
            var known = new HashSet<string>(given, StringComparer.Ordinal);
            foreach (DatasetEntry entry in list)
                if (!known.Contains(entry.ClassName))
                    throw new ImageDataException(
                        $"{entry.Source.DisplayName} has label '{entry.ClassName}', which is not in ImageDatasetOptions.ClassNames " +
                        $"({string.Join(", ", given)}); add it there or correct the label.", entry.Source.DisplayName);
            classNames = options.Classes is { } subset2 ? given.Where(subset2.Contains).ToArray() : given.ToArray();
        }
        else
        {
            IEnumerable<string> names = classNamesFound ?? list.Select(e => e.ClassName);
            if (options.Classes is { } subset3) names = names.Where(subset3.Contains);
            classNames = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        }

        if (classNames.Count == 0 || list.Count == 0)
            throw new ImageDataException($"No image was found in {sourceName} (images: .png .jpg .jpeg .bmp).");
        if (classNames.Count == 1 && !options.AllowSingleClass)
            throw new ImageDataException(
                $"Only one class ('{classNames[0]}') was found in {sourceName}; a classifier needs at least two. " +
                "Add a folder (or rows) per class, or set ImageDatasetOptions.AllowSingleClass = true to predict only.");

        var labelOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < classNames.Count; i++) labelOf[classNames[i]] = i;
        var samples = list.Select(e => new ImageSample(e.Source, labelOf[e.ClassName], e.Group)).ToList();

        var dataset = new ImageDataset(classNames, samples, skipped);
        if (options.MaxImagesPerClass is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cap, nameof(options.MaxImagesPerClass));
            ImageDataset capped = dataset.TakePerClass(cap, options.Seed);
            dataset = new ImageDataset(classNames, capped.Samples, skipped);
        }
        return dataset;
    }

    /// <summary>Each entry's group from its file name by <see cref="ImageDatasetOptions.GroupPattern"/>.</summary>
    private static List<DatasetEntry> WithGroupsFromFileNames(List<DatasetEntry> entries, string pattern)
    {
        System.Text.RegularExpressions.Regex regex;
        try { regex = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"ImageDatasetOptions.GroupPattern '{pattern}' is not a valid regular expression: {e.Message}", e);
        }
        var grouped = new List<DatasetEntry>(entries.Count);
        foreach (DatasetEntry entry in entries)
        {
            string name = Path.GetFileNameWithoutExtension(entry.Source.Path ?? entry.Source.DisplayName);
            var match = regex.Match(name);
            if (!match.Success)
                throw new ImageDataException(
                    $"{entry.Source.DisplayName}: its file name does not match ImageDatasetOptions.GroupPattern '{pattern}', so its " +
                    "group (patient) is unknown. Widen the pattern or rename the file.", entry.Source.DisplayName);
            string group = match.Groups.Count > 1 && match.Groups[1].Success ? match.Groups[1].Value : match.Value;
            grouped.Add(entry with { Group = group });
        }
        return grouped;
    }
}
