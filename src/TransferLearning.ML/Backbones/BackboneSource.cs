namespace TransferLearning.ML.Backbones;

/// <summary>
/// Where a catalog backbone's ONNX file comes from: a download (<see cref="DownloadSource"/>) or a file that a NuGet
/// package copies into the application's output folder (<see cref="NuGetPackageSource"/>).
/// </summary>
public abstract record BackboneSource
{
    private protected BackboneSource() { }

    /// <summary>A one-line description, e.g. the URL or the package id and version.</summary>
    public abstract string Describe();
}

/// <summary>The file is downloaded from <paramref name="Url"/> into the weight cache (see <see cref="WeightStore"/>).</summary>
/// <param name="Url">The download address.</param>
public sealed record DownloadSource(Uri Url) : BackboneSource
{
    /// <inheritdoc />
    public override string Describe() => Url.ToString();
}

/// <summary>
/// The file ships in a NuGet package whose build props copy it into the referencing application's output folder;
/// it is found at <c>Path.Combine(</c><see cref="WeightStoreOptions.PackageFileDirectory"/><c>, </c><see cref="RelativePath"/><c>)</c>
/// (by default under <see cref="AppContext.BaseDirectory"/>). Nothing is downloaded: restoring the package is how an
/// application obtains it.
/// </summary>
/// <param name="PackageId">The NuGet package id, e.g. <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>.</param>
/// <param name="Version">The package version whose file the catalog's checksum describes.</param>
/// <param name="RelativePath">The file's path relative to the application's output folder.</param>
public sealed record NuGetPackageSource(string PackageId, string Version, string RelativePath) : BackboneSource
{
    /// <summary>The line to add to the application's project file.</summary>
    public string PackageReference => $"<PackageReference Include=\"{PackageId}\" Version=\"{Version}\" />";

    /// <inheritdoc />
    public override string Describe() => $"NuGet package {PackageId} {Version} ({RelativePath.Replace('\\', '/')})";
}
