using System.CommandLine;

namespace TransferLearning.ML.Samples;

/// <summary>The options every study sample takes.</summary>
/// <param name="Backbone">Catalog backbone name (the study's architecture by default).</param>
/// <param name="Weights">Path of an ONNX backbone, overriding <paramref name="Backbone"/>.</param>
/// <param name="Data">The dataset folder.</param>
/// <param name="Epochs">Epochs, or null for the sample's default.</param>
/// <param name="Output">Output folder for the model, report and metrics.</param>
/// <param name="MaxImagesPerClass">Cap per class for quick runs, or null for all images.</param>
/// <param name="Seed">Seed of everything random.</param>
public sealed record SampleArguments(string Backbone, string? Weights, string Data, int? Epochs, string Output, int? MaxImagesPerClass, int Seed)
{
    /// <summary>
    /// <see cref="TransferLearning.ML.Data.ImageDatasetOptions.GroupPattern"/> for the data: the patient from the file
    /// name, so that splits keep a patient's images together (the Kermany pattern by default for the chest X-ray
    /// samples; <c>--group-pattern none</c> turns it off).
    /// </summary>
    public string? GroupPattern { get; init; }

    /// <summary>Values of the sample's own extra options, by option name.</summary>
    public IReadOnlyDictionary<string, string?> Extra { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Parses the sample command line: <c>--backbone</c>, <c>--weights</c>, <c>--data</c>, <c>--epochs</c>, <c>--out</c>,
    /// <c>--max-per-class</c>, <c>--seed</c>. Returns null (after printing help or errors) when the sample should exit.
    /// </summary>
    public static SampleArguments? Parse(string[] args, string description, string defaultBackbone, string defaultData, string defaultOutput,
        out int exitCode, params Option<string?>[] extra)
    {
        var backbone = new Option<string>("--backbone") { Description = "Catalog backbone (see `tl backbones`).", DefaultValueFactory = _ => defaultBackbone };
        var weights = new Option<string?>("--weights") { Description = "An ONNX backbone file; overrides --backbone (e.g. ../shared/models/mobilenetv2-imagenet.onnx)." };
        var data = new Option<string>("--data") { Description = "Dataset folder.", DefaultValueFactory = _ => SharedPaths.Dataset(defaultData) };
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs (default: the study's recipe)." };
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => defaultOutput };
        var maxPerClass = new Option<int?>("--max-per-class") { Description = "Use at most this many images per class (quick runs)." };
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 42 };
        string? defaultGroups = defaultData.StartsWith("kermany-cxr", StringComparison.Ordinal)
            ? TransferLearning.ML.Data.ImageDatasetOptions.KermanyPatientPattern : null;
        var groupPattern = new Option<string?>("--group-pattern")
        {
            Description = "Regular expression whose first group, matched on each file name, names the patient; splits keep a patient's " +
                          $"images on one side. 'none' turns it off. Default: {defaultGroups ?? "none"}.",
            DefaultValueFactory = _ => defaultGroups,
        };
        var root = new RootCommand(description) { backbone, weights, data, epochs, output, maxPerClass, seed, groupPattern };
        foreach (var option in extra) root.Options.Add(option);
        SampleArguments? parsed = null;
        root.SetAction(r => parsed = new SampleArguments(r.GetValue(backbone)!, r.GetValue(weights), r.GetValue(data)!, r.GetValue(epochs),
            r.GetValue(output)!, r.GetValue(maxPerClass), r.GetValue(seed))
        {
            Extra = extra.ToDictionary(o => o.Name, o => r.GetValue(o)),
            GroupPattern = r.GetValue(groupPattern) is { } pattern && !pattern.Equals("none", StringComparison.OrdinalIgnoreCase) ? pattern : null,
        });
        exitCode = root.Parse(args).Invoke();
        return parsed;
    }
}
