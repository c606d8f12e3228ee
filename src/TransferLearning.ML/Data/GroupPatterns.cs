namespace TransferLearning.ML.Data;

/// <summary>
/// Patient groups from file names the data already carries: where every image of a folder is named the way a
/// known dataset names its patients, its <see cref="ImageDatasetOptions.GroupPattern"/>, so splits and folds keep a
/// patient's images together without the user knowing the convention.
/// </summary>
public static class GroupPatterns
{
    /// <summary>
    /// The group pattern every image file name under <paramref name="folder"/> (one level of class folders, or the
    /// folder itself) matches, among the known conventions (<see cref="ImageDatasetOptions.KermanyPatientPattern"/>),
    /// or null when none fits every name (then images are split one by one).
    /// </summary>
    /// <param name="folder">A folder of images, or of one sub-folder of images per class.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="folder"/> does not exist.</exception>
    public static string? Detect(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no such folder; give the folder of images (one sub-folder per class).");
        var names = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 })
            .Where(ImageFolderReader.IsImageFile).Select(Path.GetFileNameWithoutExtension).ToList();
        return Detect(names!);
    }

    /// <summary>The known group pattern every one of <paramref name="fileNames"/> matches, or null (also for no names).</summary>
    public static string? Detect(IReadOnlyCollection<string> fileNames)
    {
        ArgumentNullException.ThrowIfNull(fileNames);
        if (fileNames.Count == 0) return null;
        var kermany = new System.Text.RegularExpressions.Regex(ImageDatasetOptions.KermanyPatientPattern);
        return fileNames.All(n => kermany.IsMatch(n)) ? ImageDatasetOptions.KermanyPatientPattern : null;
    }
}
