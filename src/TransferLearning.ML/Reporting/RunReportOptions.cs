namespace TransferLearning.ML.Reporting;

/// <summary>What <see cref="RunReportBuilder"/> puts into a run's report.</summary>
public sealed record RunReportOptions
{
    /// <summary>The report title. Default <c>null</c>: "&lt;backbone&gt; (&lt;mode&gt;) — training report".</summary>
    public string? Title { get; init; }

    /// <summary>How many of the most confidently wrong examples to show. Default 8; 0 leaves the grid out.</summary>
    public int ConfidentlyWrongLimit { get; init; } = 8;

    /// <summary>Whether each wrong example gets a Grad-CAM overlay of its predicted class. Default <c>true</c>.</summary>
    public bool IncludeGradCam { get; init; } = true;

    /// <summary>The tensor Grad-CAM explains. Default <c>null</c>: the backbone's last convolutional map.</summary>
    public string? GradCamLayer { get; init; }

    /// <summary>Longest side of the example thumbnails, in pixels. Default 192.</summary>
    public int ThumbnailSize { get; init; } = 192;

    /// <summary>When the run finished, shown under the title. Default <c>null</c>: the time the report is written.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Free-text remarks shown at the end. Default: empty.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    internal void Validate()
    {
        if (ConfidentlyWrongLimit < 0)
            throw new ArgumentOutOfRangeException(nameof(ConfidentlyWrongLimit), ConfidentlyWrongLimit, "ConfidentlyWrongLimit must be 0 (no grid) or more.");
        if (ThumbnailSize < 16)
            throw new ArgumentOutOfRangeException(nameof(ThumbnailSize), ThumbnailSize, "ThumbnailSize must be at least 16 pixels.");
    }
}
