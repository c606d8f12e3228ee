using System.CommandLine;
using System.Globalization;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;

namespace TransferLearning.ML.Cli;

/// <summary>Options shared by several commands and the parsing of their values.</summary>
internal static class CliOptions
{
    public static Option<string> Model(bool required = true) => new("--model")
    {
        Description = "A model saved by `tl train` (*.tlmodel).", Required = required,
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Threads for libtorch and ONNX Runtime.", DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<bool> SkipUnreadable() => new("--skip-unreadable")
    {
        Description = "Leave out (and list) images that cannot be read or are over --max-megapixels, instead of stopping.",
    };

    public static Option<double> MaxMegapixels() => new("--max-megapixels")
    {
        Description = "Refuse images with more pixels than this (width × height, in millions) before decoding them; guards against decompression bombs.",
        DefaultValueFactory = _ => TransferLearning.ML.Data.ImageLoadingOptions.DefaultMaxImagePixels / 1e6,
    };

    /// <summary>--max-megapixels as a pixel count.</summary>
    public static long Pixels(double megapixels) => megapixels is > 0 and <= 1e6
        ? Math.Max(1, (long)(megapixels * 1e6))
        : throw new ArgumentException($"--max-megapixels {megapixels}: give a positive number of megapixels, e.g. --max-megapixels 64.");

    /// <summary>
    /// Creates the output folder of <paramref name="option"/> and checks that a file can be written there, before any
    /// work is done: a run must not train for an hour and then fail to write its model.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be created or written (exit code 5).</exception>
    public static string PrepareOutput(string path, string option)
    {
        try
        {
            Directory.CreateDirectory(path);
            string probe = Path.Combine(path, $".tl-write-check-{Environment.ProcessId}.tmp");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {path}: cannot write there ({e.Message.TrimEnd('.')}). Choose a folder you can write to.", e);
        }
    }

    public static ImageDataset LoadFolder(string path, string option, IReadOnlyList<string>? classNames, IReadOnlyCollection<string>? classes,
        int? maxPerClass, int seed, bool skipUnreadable, string? groupPattern = null)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{option} {path}: no such folder. Give a folder with one sub-folder of images per class.");
        return ImageDataset.FromFolder(path, new ImageDatasetOptions
        {
            ClassNames = classNames, Classes = classes, MaxImagesPerClass = maxPerClass, Seed = seed, SkipUnreadableImages = skipUnreadable,
            GroupPattern = groupPattern,
        });
    }

    /// <summary>
    /// <c>--group-pattern</c>: <c>auto</c> (a known convention when every file name of <paramref name="folder"/>
    /// follows it, see <see cref="GroupPatterns.Detect(string)"/>), <c>none</c>, or a regular expression.
    /// </summary>
    public static string? GroupPattern(string value, string folder)
    {
        if (value.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (value.Equals("auto", StringComparison.OrdinalIgnoreCase)) return Directory.Exists(folder) ? GroupPatterns.Detect(folder) : null;
        try
        {
            _ = new System.Text.RegularExpressions.Regex(value);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--group-pattern {value}: not a regular expression ({e.Message}). Use auto, none, or a pattern whose first group names the patient, e.g. '^(person\\d+)'.", e);
        }
        return value;
    }

    public static AugmentationPipeline Augmentation(string name) => name.ToLowerInvariant() switch
    {
        "none" => Augmentations.None,
        "light" => Augmentations.Light,
        "standard" => Augmentations.Standard,
        "strong" => Augmentations.Strong,
        "fundus" => Augmentations.Fundus,
        _ => throw new ArgumentException($"--augment {name}: use none, light, standard, strong or fundus."),
    };

    public static ThresholdPolicy Threshold(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "default" or "0.5") return ThresholdPolicy.Default;
        if (t == "youden") return ThresholdPolicy.Youden;
        if (t.StartsWith("sensitivity:", StringComparison.Ordinal) && double.TryParse(t[12..], NumberStyles.Float, CultureInfo.InvariantCulture, out double s))
            return ThresholdPolicy.Sensitivity(s);
        if (t.StartsWith("specificity:", StringComparison.Ordinal) && double.TryParse(t[12..], NumberStyles.Float, CultureInfo.InvariantCulture, out double p))
            return ThresholdPolicy.Specificity(p);
        if (t.StartsWith("prevalence:", StringComparison.Ordinal))
            return double.TryParse(t[11..], NumberStyles.Float, CultureInfo.InvariantCulture, out double share) && share is > 0 and < 1
                ? ThresholdPolicy.Prevalence(share)
                : throw new ArgumentException($"--threshold {text}: the prevalence is the share of the second class (the positive one: PNEUMONIA after NORMAL) in the population the model will see, a number between 0 and 1 exclusive, e.g. prevalence:0.625.");
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return ThresholdPolicy.Fixed(value);
        throw new ArgumentException($"--threshold {text}: use default, youden, sensitivity:0.95, specificity:0.9, prevalence:0.625 or a number in (0, 1).");
    }
}
