using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace TransferLearning.ML.MLNet;

/// <summary>Input row of <see cref="ImagePixelsMapping.MarkerContract"/>.</summary>
public sealed class ImageMarkerInput
{
    /// <summary>The encoded image (only its presence matters).</summary>
    [ColumnName(ImagePixelsMapping.ImageColumn), VectorType]
    public byte[] Image { get; set; } = [];
}

/// <summary>Output row of <see cref="ImagePixelsMapping.MarkerContract"/>: a constant scalar.</summary>
public sealed class ImageMarkerOutput
{
    /// <summary>Always true.</summary>
    [ColumnName(ImagePixelsMapping.MarkerColumn)]
    public bool Marker { get; set; }
}

/// <summary>ML.NET factory of the marker mapping.</summary>
[CustomMappingFactoryAttribute(ImagePixelsMapping.MarkerContract)]
public sealed class ImageMarkerFactory : CustomMappingFactory<ImageMarkerInput, ImageMarkerOutput>
{
    /// <inheritdoc/>
    public override Action<ImageMarkerInput, ImageMarkerOutput> GetMapping() => static (_, output) => output.Marker = true;
}
