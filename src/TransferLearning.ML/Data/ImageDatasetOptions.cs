namespace TransferLearning.ML.Data;

/// <summary>How a dataset source (folder, CSV, list) is read into an <see cref="ImageDataset"/>.</summary>
public sealed record ImageDatasetOptions
{
    /// <summary>
    /// The class names in label order. Default <c>null</c>: the classes found, sorted by ordinal string comparison.
    /// When given, every class found must be in the list (labels outside it are an error) and classes of the list
    /// with no image are kept with a count of zero.
    /// </summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>
    /// Keep only these classes (e.g. <c>{"Normal", "Stone"}</c>); images of other classes are left out and listed in
    /// <see cref="ImageDataset.Skipped"/>. Default <c>null</c>: every class.
    /// </summary>
    public IReadOnlyCollection<string>? Classes { get; init; }

    /// <summary>
    /// At most this many images per class, chosen at random with <see cref="Seed"/> (for quick runs).
    /// Default <c>null</c>: all images.
    /// </summary>
    public int? MaxImagesPerClass { get; init; }

    /// <summary>Seed of the choice made by <see cref="MaxImagesPerClass"/>. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// When <c>true</c>, a missing or empty (zero-byte) image is listed in <see cref="ImageDataset.Skipped"/> instead
    /// of raising <see cref="ImageDataException"/>. Default <c>false</c>. Images are not decoded while scanning, so
    /// corrupt contents are only found by the loader (see <see cref="BatchLoaderOptions.SkipUnreadableImages"/>).
    /// </summary>
    public bool SkipUnreadableImages { get; init; }

    /// <summary>
    /// When <c>true</c>, a source with a single class is accepted (e.g. to predict on unlabelled images).
    /// Default <c>false</c>: one class raises <see cref="ImageDataException"/>, since a classifier needs two.
    /// </summary>
    public bool AllowSingleClass { get; init; }

    /// <summary>
    /// A regular expression matched against each image's file name (without folder and extension) whose first
    /// capture group — or the whole match when it has none — names the image's <see cref="ImageSample.Group"/>,
    /// typically the patient, so that <see cref="ImageDataset.Split"/> and <see cref="ImageDataset.StratifiedKFold"/> keep a
    /// patient's images on one side. Default <c>null</c>: no groups from file names (a CSV's group column still
    /// applies). A file whose name does not match is an <see cref="ImageDataException"/> naming it.
    /// See <see cref="KermanyPatientPattern"/>; <see cref="DetectGroups"/> (<c>"auto"</c>) takes the known pattern
    /// every file name matches, if any (<see cref="GroupPatterns.Detect(IReadOnlyCollection{string})"/>), as
    /// <c>tl train --group-pattern auto</c> does.
    /// </summary>
    public string? GroupPattern { get; init; }

    /// <summary>
    /// <see cref="GroupPattern"/> value <c>"auto"</c>: groups from the file names where every name follows a known
    /// convention (the Kermany chest X-rays' patients), else none.
    /// </summary>
    public const string DetectGroups = "auto";

    /// <summary>
    /// <see cref="GroupPattern"/> for the Kermany et al. chest X-rays: <c>personN_bacteria_M</c> / <c>personN_virus_M</c>
    /// belong to patient <c>personN</c>, <c>IM-N-M</c> and <c>NORMAL2-IM-N-M</c> to <c>IM-N</c> / <c>NORMAL2-IM-N</c>.
    /// </summary>
    public const string KermanyPatientPattern = @"^(person\d+|(?:NORMAL\d+-)?IM-\d+)";
}
