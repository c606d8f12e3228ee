using Microsoft.ML;

namespace TransferLearning.ML.Data;

/// <summary>
/// An immutable list of labelled images and the names of their classes. Built from a folder per class
/// (<see cref="FromFolder"/>), a CSV/TSV label list (<see cref="FromCsv"/>), a list of paths or in-memory bytes,
/// or an ML.NET <see cref="IDataView"/>. Nothing is decoded while a dataset is built: scanning thousands of files
/// only lists them.
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset from samples whose labels index <paramref name="classNames"/>.</summary>
    /// <param name="classNames">The class names in label order; must be distinct.</param>
    /// <param name="samples">The samples.</param>
    /// <param name="skipped">Files left out while the dataset was read (default: none).</param>
    /// <exception cref="ArgumentException">A label is outside the class list or class names repeat.</exception>
    public ImageDataset(IReadOnlyList<string> classNames, IEnumerable<ImageSample> samples,
        IReadOnlyList<SkippedFile>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(samples);
        if (classNames.Distinct(StringComparer.Ordinal).Count() != classNames.Count)
            throw new ArgumentException("Class names must be distinct.", nameof(classNames));
        ClassNames = classNames.ToArray();
        ImageSample[] list = samples.ToArray();
        foreach (ImageSample sample in list)
            if ((uint)sample.Label >= (uint)classNames.Count)
                throw new ArgumentException(
                    $"{sample.Source.DisplayName} has label {sample.Label}, outside the {classNames.Count} classes.",
                    nameof(samples));
        Samples = list;
        Skipped = skipped?.ToArray() ?? [];
    }

    /// <summary>The class names; label <c>i</c> is <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The labelled images, in a stable order (folders: class, then ordinal file name).</summary>
    public IReadOnlyList<ImageSample> Samples { get; }

    /// <summary>Files that were left out while the dataset was read, each with the reason.</summary>
    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Samples.Count;

    /// <summary><c>true</c> when at least one sample has a <see cref="ImageSample.Group"/>.</summary>
    public bool HasGroups => Samples.Any(s => s.Group is not null);

    /// <summary>The number of samples of each class, in label order.</summary>
    public IReadOnlyList<int> ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (ImageSample sample in Samples) counts[sample.Label]++;
        return counts;
    }

    /// <summary>The samples at the given indices (in that order; repeats allowed), with the same classes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public ImageDataset Subset(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var picked = new List<ImageSample>();
        foreach (int index in indices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count, nameof(indices));
            picked.Add(Samples[index]);
        }
        return new ImageDataset(ClassNames, picked);
    }

    /// <summary>The samples that satisfy <paramref name="predicate"/>, with the same classes.</summary>
    public ImageDataset Where(Func<ImageSample, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new ImageDataset(ClassNames, Samples.Where(predicate));
    }

    /// <summary>
    /// At most <paramref name="perClass"/> samples of each class, chosen at random with <paramref name="seed"/>
    /// (kept in dataset order).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="perClass"/> is negative.</exception>
    public ImageDataset TakePerClass(int perClass, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perClass);
        var kept = new List<int>();
        var random = new Random(seed);
        foreach (List<int> members in IndicesByClass())
        {
            int[] shuffled = members.ToArray();
            random.Shuffle(shuffled);
            kept.AddRange(shuffled.Take(perClass));
        }
        kept.Sort();
        return Subset(kept);
    }

    /// <summary>The same samples with the class names replaced by <paramref name="classNames"/> (same count).</summary>
    /// <exception cref="ArgumentException">The number of names differs.</exception>
    public ImageDataset WithClassNames(IReadOnlyList<string> classNames)
    {
        if (classNames.Count != ClassNames.Count)
            throw new ArgumentException($"Expected {ClassNames.Count} class names, got {classNames.Count}.", nameof(classNames));
        return new ImageDataset(classNames, Samples, Skipped);
    }

    /// <summary>
    /// A stratified split into training, validation and test sets: each class is shuffled with
    /// <paramref name="seed"/> and cut so that its share in each split is within one image of exact. When samples
    /// carry groups (and <paramref name="respectGroups"/> is <c>true</c>, the default) whole groups are assigned
    /// instead, so no group is in two splits, and the class shares are approximate.
    /// </summary>
    /// <param name="validation">Fraction for validation, in [0, 1).</param>
    /// <param name="test">Fraction for test, in [0, 1); <c>validation + test</c> must be below 1.</param>
    /// <param name="seed">Same seed, same split.</param>
    /// <param name="respectGroups">Keep groups whole when samples have groups. Default <c>true</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is outside [0, 1) or they sum to 1 or more.</exception>
    public DatasetSplit Split(double validation, double test, int seed, bool respectGroups = true) =>
        StratifiedSplitter.Split(this, validation, test, seed, respectGroups && HasGroups);

    /// <summary>
    /// Stratified k-fold cross-validation: fold <c>i</c> is validation and the other folds train. With groups (and
    /// <paramref name="respectGroups"/>), whole groups go to one fold.
    /// </summary>
    /// <param name="k">Number of folds, at least 2.</param>
    /// <param name="seed">Same seed, same folds.</param>
    /// <param name="respectGroups">Keep groups whole when samples have groups. Default <c>true</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 2 or above the sample count.</exception>
    public IReadOnlyList<(ImageDataset Train, ImageDataset Validation)> StratifiedKFold(int k, int seed,
        bool respectGroups = true) =>
        StratifiedSplitter.KFold(this, k, seed, respectGroups && HasGroups);

    /// <summary>
    /// Reads <c>root/&lt;class&gt;/&lt;image&gt;</c> without decoding anything. Images are files ending in .png, .jpg,
    /// .jpeg or .bmp (any case); other files are listed in <see cref="Skipped"/>. Classes are the sub-folders in
    /// ordinal order (unless <see cref="ImageDatasetOptions.ClassNames"/> gives the order), files are taken in
    /// ordinal name order.
    /// </summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="options">Class order, subset, per-class cap; default <c>null</c>: all classes, ordinal order.</param>
    /// <exception cref="ImageDataException">
    /// The folder is missing, holds no class folder, a class folder holds no image, there is one class only, or an
    /// image file is empty (unless <see cref="ImageDatasetOptions.SkipUnreadableImages"/>).
    /// </exception>
    public static ImageDataset FromFolder(string root, ImageDatasetOptions? options = null) =>
        ImageFolderReader.Read(root, options ?? new ImageDatasetOptions());

    /// <summary>
    /// Reads <c>root/&lt;split&gt;/&lt;class&gt;/&lt;image&gt;</c> (e.g. <c>train</c>, <c>val</c>, <c>test</c>); every
    /// split gets the same class list (the union, ordinal order unless given) so labels agree across splits.
    /// </summary>
    /// <exception cref="ImageDataException">As <see cref="FromFolder"/>, or no split folder was found.</exception>
    public static DatasetFolders FromSplitFolders(string root, ImageDatasetOptions? options = null) =>
        ImageFolderReader.ReadSplits(root, options ?? new ImageDatasetOptions());

    /// <summary>
    /// Reads a CSV or TSV label list: one row per image with the path (relative to the list's folder or absolute),
    /// the label and, optionally, a group (patient id). A header row is recognised when its first field is not an
    /// image path; then <paramref name="pathColumn"/>, <paramref name="labelColumn"/> and
    /// <paramref name="groupColumn"/> name the columns (defaults: first, second, third column if present).
    /// </summary>
    /// <exception cref="ImageDataException">
    /// The list is missing or malformed, an image is missing (unless skipping), a label is not in
    /// <see cref="ImageDatasetOptions.ClassNames"/>, or a named column is absent.
    /// </exception>
    public static ImageDataset FromCsv(string csvPath, ImageDatasetOptions? options = null, string? pathColumn = null,
        string? labelColumn = null, string? groupColumn = null) =>
        CsvLabelList.Read(csvPath, options ?? new ImageDatasetOptions(), pathColumn, labelColumn, groupColumn);

    /// <summary>A dataset from (image path, class name) pairs.</summary>
    /// <exception cref="ImageDataException">As for folders (missing or empty files, one class).</exception>
    public static ImageDataset FromList(IEnumerable<(string Path, string Label)> images, ImageDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        options ??= new ImageDatasetOptions();
        var skipped = new List<SkippedFile>();
        var entries = new List<DatasetEntry>();
        foreach ((string path, string label) in images)
            if (ImageFolderReader.CheckFile(path, options, skipped, "the list"))
                entries.Add(new DatasetEntry(ImageSource.FromFile(path), label, null));
        return DatasetAssembler.Assemble(entries, options, skipped, "the list");
    }

    /// <summary>A dataset from encoded images already in memory.</summary>
    /// <param name="images">Name for messages, encoded bytes (PNG/JPEG/BMP; not copied), class name.</param>
    /// <param name="options">As for the other sources.</param>
    /// <exception cref="ImageDataException">An image has no bytes (unless skipping) or there is one class.</exception>
    public static ImageDataset FromMemory(IEnumerable<(string Name, byte[] Bytes, string Label)> images,
        ImageDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        options ??= new ImageDatasetOptions();
        var skipped = new List<SkippedFile>();
        var entries = new List<DatasetEntry>();
        foreach ((string name, byte[] bytes, string label) in images)
        {
            if (bytes is null || bytes.Length == 0)
            {
                if (!options.SkipUnreadableImages)
                    throw new ImageDataException(
                        $"In-memory image '{name}' has no bytes; pass SkipUnreadableImages = true to leave it out.", name);
                skipped.Add(new SkippedFile(name, "no bytes"));
                continue;
            }
            entries.Add(new DatasetEntry(ImageSource.FromBytes(bytes, name), label, null));
        }
        return DatasetAssembler.Assemble(entries, options, skipped, "the in-memory images");
    }

    /// <summary>
    /// A dataset from an ML.NET <see cref="IDataView"/>: <paramref name="imageColumn"/> holds a path (text) or the
    /// encoded bytes (a vector of bytes); <paramref name="labelColumn"/> holds text, a key (its key-value names are
    /// used when present) or an integer/boolean.
    /// </summary>
    /// <exception cref="ImageDataException">A column is missing or of an unsupported type, or as for lists.</exception>
    public static ImageDataset FromDataView(IDataView data, string imageColumn, string labelColumn,
        ImageDatasetOptions? options = null) =>
        DataViewImport.Read(data, imageColumn, labelColumn, options ?? new ImageDatasetOptions());

    internal List<int>[] IndicesByClass()
    {
        var byClass = new List<int>[ClassNames.Count];
        for (int c = 0; c < byClass.Length; c++) byClass[c] = [];
        for (int i = 0; i < Samples.Count; i++) byClass[Samples[i].Label].Add(i);
        return byClass;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Count} images, {ClassNames.Count} classes ({string.Join(", ", ClassNames.Zip(ClassCounts(), (n, c) => $"{n} {c}"))})";
}
