using TransferLearning.ML.Data;

namespace TransferLearning.ML.Models;

/// <summary>Everything a saved model carries besides its ONNX graph (stored as <c>manifest.json</c>).</summary>
internal sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public string LibraryVersion { get; init; } = typeof(ModelManifest).Assembly.GetName().Version?.ToString() ?? "0.0.0";
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required PreprocessingManifest Preprocessing { get; init; }
    public double? DecisionThreshold { get; init; }
    public string ThresholdPolicy { get; init; } = "default";
    public required string BackboneName { get; init; }
    public required string BackboneSha256 { get; init; }
    public required string Mode { get; init; }
    public string InputName { get; init; } = "input";
    public string OnnxSha256 { get; init; } = "";
    public IReadOnlyDictionary<string, string> TrainingOptions { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>For an ensemble (<see cref="TransferModel.Ensemble"/>): its members, in graph order; null for a single model.
    /// Optional, so format 1 readers that do not know it still load the ensemble as one graph.</summary>
    public IReadOnlyList<EnsembleMemberManifest>? Members { get; init; }
}

/// <summary>What an ensemble's manifest keeps of one member (its graph is inside the ensemble's graph).</summary>
internal sealed record EnsembleMemberManifest(
    string BackboneName, string BackboneSha256, string Mode, double Weight, PreprocessingManifest Preprocessing,
    double? DecisionThreshold, string OnnxSha256, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The serialisable form of <see cref="ImagePreprocessing"/>.</summary>
internal sealed record PreprocessingManifest(int Width, int Height, string ResizeMode, float[] Mean, float[] Std, string ChannelOrder, int Channels)
{
    public static PreprocessingManifest From(ImagePreprocessing p) => new(p.Width, p.Height, p.ResizeMode.ToString(),
        p.Normalization.Mean.ToArray(), p.Normalization.Std.ToArray(), p.ChannelOrder.ToString(), p.Channels);

    public ImagePreprocessing ToPreprocessing() => new()
    {
        Width = Width, Height = Height, ResizeMode = Enum.Parse<ResizeMode>(ResizeMode),
        Normalization = new Normalization(Mean, Std), ChannelOrder = Enum.Parse<ChannelOrder>(ChannelOrder), Channels = Channels,
    };
}
