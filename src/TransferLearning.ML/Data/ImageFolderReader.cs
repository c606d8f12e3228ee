namespace TransferLearning.ML.Data;

/// <summary>
/// Lists <c>root/&lt;class&gt;/&lt;image&gt;</c> trees without decoding anything. Images are files ending in .png,
/// .jpg, .jpeg or .bmp (any case); other files are listed in <see cref="ImageDataset.Skipped"/>. Files are taken in
/// ordinal name order, so the dataset is the same on every machine.
/// </summary>
internal static class ImageFolderReader
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp"];

    public static bool IsImageFile(string path) =>
        ImageExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    public static ImageDataset Read(string root, ImageDatasetOptions options)
    {
        if (!Directory.Exists(root))
            throw new ImageDataException($"Image folder '{root}' does not exist; expected {root}/<class>/<image>.", root);
        var skipped = new List<SkippedFile>();
        var entries = new List<DatasetEntry>();
        var classNames = new List<string>();
        var classFolders = new DirectoryInfo(root).EnumerateDirectories()
            .Where(d => !d.Name.StartsWith('.'))
            .OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        foreach (FileInfo stray in new DirectoryInfo(root).EnumerateFiles())
            skipped.Add(new SkippedFile(stray.FullName, "file directly under the root; images go in a folder per class"));
        if (classFolders.Count == 0)
            throw new ImageDataException(
                $"'{root}' holds no class folder; expected {root}/<class>/<image> (one folder per class).", root);

        foreach (DirectoryInfo classFolder in classFolders)
        {
            bool wanted = options.Classes is null || options.Classes.Contains(classFolder.Name);
            int before = entries.Count;
            var files = classFolder.EnumerateFiles("*", SearchOption.TopDirectoryOnly)
                .OrderBy(f => f.Name, StringComparer.Ordinal);
            foreach (FileInfo file in files)
            {
                if (!IsImageFile(file.Name))
                {
                    skipped.Add(new SkippedFile(file.FullName, $"not an image file ({file.Extension}); images end in .png .jpg .jpeg .bmp"));
                    continue;
                }
                if (file.Length == 0)
                {
                    if (wanted && !options.SkipUnreadableImages)
                        throw new ImageDataException(
                            $"'{file.FullName}' is empty (0 bytes); delete it or pass SkipUnreadableImages = true to train without it.",
                            file.FullName);
                    skipped.Add(new SkippedFile(file.FullName, "empty file (0 bytes)"));
                    continue;
                }
                entries.Add(new DatasetEntry(ImageSource.FromFile(file.FullName), classFolder.Name, null));
            }
            if (wanted && entries.Count == before)
                throw new ImageDataException(
                    $"Class folder '{classFolder.FullName}' holds no image (.png .jpg .jpeg .bmp); add images, remove the folder, " +
                    "or leave the class out with ImageDatasetOptions.Classes.", classFolder.FullName);
            classNames.Add(classFolder.Name);
        }
        return DatasetAssembler.Assemble(entries, options, skipped, $"'{root}'", classNames);
    }

    public static DatasetFolders ReadSplits(string root, ImageDatasetOptions options)
    {
        if (!Directory.Exists(root))
            throw new ImageDataException($"Dataset folder '{root}' does not exist; expected {root}/<split>/<class>/<image>.", root);
        var splitFolders = new DirectoryInfo(root).EnumerateDirectories()
            .Where(d => !d.Name.StartsWith('.'))
            .OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        if (splitFolders.Count == 0)
            throw new ImageDataException($"'{root}' holds no split folder; expected {root}/<split>/<class>/<image>.", root);

        // labels must mean the same class in every split: use the union of class folders unless the order is given
        IReadOnlyList<string> classNames = options.ClassNames ?? splitFolders
            .SelectMany(s => s.EnumerateDirectories().Select(d => d.Name))
            .Where(n => !n.StartsWith('.') && (options.Classes is null || options.Classes.Contains(n)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var splitOptions = options with { ClassNames = classNames };
        var splits = new Dictionary<string, ImageDataset>(StringComparer.OrdinalIgnoreCase);
        foreach (DirectoryInfo split in splitFolders)
            splits[split.Name] = Read(split.FullName, splitOptions);
        return new DatasetFolders(splits, classNames);
    }

    /// <summary>Checks a listed image exists and is not empty; records or throws otherwise.</summary>
    public static bool CheckFile(string path, ImageDatasetOptions options, List<SkippedFile> skipped, string listName)
    {
        var info = new FileInfo(path);
        string? problem = !info.Exists ? "does not exist" : info.Length == 0 ? "is empty (0 bytes)" : null;
        if (problem is null) return true;
        if (!options.SkipUnreadableImages)
            throw new ImageDataException(
                $"'{path}' listed in {listName} {problem}; correct the list or pass SkipUnreadableImages = true to train without it.",
                path);
        skipped.Add(new SkippedFile(path, problem));
        return false;
    }
}
