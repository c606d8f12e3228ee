using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace TransferLearning.ML.Backbones;

/// <summary>
/// Finds a catalog backbone's ONNX file — in the local cache, in the application's output folder for a file that a
/// NuGet package ships, or downloaded into the cache — and verifies it against the catalog's SHA-256 and byte size.
/// </summary>
/// <remarks>
/// <para>A download is written to <c>&lt;file&gt;.partial</c> beside its target. An interrupted download keeps that
/// file and the next attempt continues it with an HTTP <c>Range</c> request (from zero when the server ignores the
/// range). The complete file is checked (size, then SHA-256) and only then renamed into place, so the cache never
/// holds a partial or unverified file under the real name; a file that does not match is deleted.</para>
/// <para>A file already in place (downloaded earlier, or put there by hand) is verified too. Hashing a 550 MB file
/// takes seconds, so a successful check is remembered in <c>&lt;file&gt;.verified</c> in the cache folder (size,
/// last-write time, path and hash); the file is hashed again whenever its size or last-write time changes.</para>
/// </remarks>
public sealed class WeightStore
{
    private const int BufferSize = 1 << 16;
    private readonly HttpClient _http;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Cache folder and download policy; default <see cref="WeightStoreOptions"/>.</param>
    /// <param name="http">The client used for downloads; default a new <see cref="HttpClient"/>. Its own
    /// <see cref="HttpClient.Timeout"/> is left as it is; <see cref="WeightStoreOptions.DownloadTimeout"/> is applied per attempt.</param>
    public WeightStore(WeightStoreOptions? options = null, HttpClient? http = null)
    {
        Options = options ?? new WeightStoreOptions();
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The cache folder and download policy of this store.</summary>
    public WeightStoreOptions Options { get; }

    /// <summary>
    /// Where <paramref name="backbone"/>'s file is (or would be) cached: <c>&lt;cache&gt;/&lt;FileName&gt;</c>. For a
    /// file that a NuGet package ships this is the place to put a copy by hand; see <see cref="PackagePathFor"/>.
    /// </summary>
    public string PathFor(BackboneDescriptor backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return Path.Combine(Options.CacheDirectory, backbone.FileName);
    }

    /// <summary>Where a NuGet package puts <paramref name="backbone"/>'s file, or null when it does not come from a package.</summary>
    public string? PackagePathFor(BackboneDescriptor backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return backbone.Source is NuGetPackageSource package ? Path.Combine(Options.PackageFileDirectory, package.RelativePath) : null;
    }

    /// <summary>The existing file for <paramref name="backbone"/> (the package's file first, then the cache), or null; not verified.</summary>
    public string? Locate(BackboneDescriptor backbone)
    {
        if (PackagePathFor(backbone) is { } packaged && File.Exists(packaged)) return packaged;
        string cached = PathFor(backbone);
        return File.Exists(cached) ? cached : null;
    }

    /// <summary>Whether the file is present (in the cache or where its package puts it); not verified.</summary>
    public bool IsCached(BackboneDescriptor backbone) => Locate(backbone) is not null;

    /// <summary>
    /// Whether the present file has been verified against the catalog and not changed since (its size and
    /// last-write time match the <c>.verified</c> stamp). Hashes nothing.
    /// </summary>
    public bool IsVerified(BackboneDescriptor backbone) =>
        Locate(backbone) is { } path && ExpectedSha256(backbone, path) is { } expected && HasValidStamp(backbone, path, expected);

    /// <summary>Returns the path of the verified ONNX file, downloading it first if needed.</summary>
    /// <param name="backbone">The catalog entry.</param>
    /// <param name="progress">Receives download progress (bytes so far, including a resumed part, and the total); optional.</param>
    /// <param name="cancellationToken">Cancels the download; the <c>.partial</c> file is kept so that the next attempt resumes it.</param>
    /// <exception cref="BackboneUnavailableException">The file is not present and cannot be downloaded (offline, no
    /// known download, a package not referenced), or it does not match the catalog's size or SHA-256; the message
    /// says what to download (with the expected SHA-256) and where to put it.</exception>
    public async Task<string> ResolveAsync(BackboneDescriptor backbone, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (Locate(backbone) is { } existing)
        {
            Verify(backbone, existing);
            return existing;
        }

        string path = PathFor(backbone);
        switch (backbone.Source)
        {
            case NuGetPackageSource package:
                throw PackageMissing(backbone, package, path);
            case DownloadSource download:
                if (!Options.AllowDownload)
                    throw Unavailable(backbone, path, "downloads are turned off (WeightStoreOptions.AllowDownload = false)");
                if (backbone.Sha256 is null && !Options.AllowUnverifiedDownloads)
                    throw Unavailable(backbone, path,
                        "its checksum is not known to this library; set WeightStoreOptions.AllowUnverifiedDownloads = true to download it anyway");
                return await DownloadAsync(backbone, download.Url, path, progress, cancellationToken).ConfigureAwait(false);
            default:
                throw Unavailable(backbone, path, "no public download is known for it");
        }
    }

    /// <summary>Synchronous <see cref="ResolveAsync"/>.</summary>
    public string Resolve(BackboneDescriptor backbone, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        ResolveAsync(backbone, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>The SHA-256 of a file, as lower-case hex.</summary>
    public static string ComputeSha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private async Task<string> DownloadAsync(BackboneDescriptor backbone, Uri url, string path, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.CacheDirectory);
        string partial = path + ".partial";
        FileStream sink;
        try
        {
            sink = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
        }
        catch (IOException e)
        {
            throw Unavailable(backbone, path, $"its partial download {partial} is in use (another download of it running?): {e.Message}", e);
        }

        long received;
        BackboneUnavailableException? failure = null;
        await using (sink.ConfigureAwait(false))
        {
            received = sink.Length;
            if (backbone.SizeBytes is long size && received > size) received = Restart(sink);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(Options.DownloadTimeout);
            try
            {
                if (!(backbone.SizeBytes is long expected && received == expected))
                    received = await FetchAsync(backbone, url, sink, received, progress, attempt.Token).ConfigureAwait(false);
                await sink.FlushAsync(attempt.Token).ConfigureAwait(false);
                sink.Flush(flushToDisk: true);
            }
            catch (SizeExceededException)
            {
                // fall through to the size check below, which discards the file
                received = sink.Length;
            }
            catch (Exception e) when (e is HttpRequestException or IOException ||
                                      (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                long kept = sink.Length;
                string why = e is OperationCanceledException ? $"it took longer than {Options.DownloadTimeout}" : e.Message;
                failure = Unavailable(backbone, path, kept == 0
                    ? $"the download failed ({why})"
                    : $"the download was interrupted after {Describe(kept)} of {Describe(backbone.SizeBytes)} bytes ({why}); run again to resume it from {partial}", e);
            }
        }
        if (failure is not null)
        {
            if (new FileInfo(partial).Length == 0) File.Delete(partial);
            throw failure;
        }

        if (backbone.SizeBytes is long want && received != want)
        {
            File.Delete(partial);
            throw new BackboneUnavailableException(
                $"The download of {backbone.DisplayName} from {url} has {Describe(received)} bytes, expected {Describe(want)} bytes; the file was " +
                $"discarded. The server may have changed the file: download it yourself, check it (SHA-256 {backbone.Sha256}), and save it as {path}.");
        }
        string actual = ComputeSha256(partial);
        if (backbone.Sha256 is not null && !actual.Equals(backbone.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partial);
            throw new BackboneUnavailableException(
                $"The download of {backbone.DisplayName} from {url} has SHA-256 {actual}, expected {backbone.Sha256}; the file was " +
                $"discarded. The server may have changed the file: download it yourself, check it, and save it as {path}.");
        }
        if (backbone.Sha256 is null)
            await File.WriteAllTextAsync(path + ".sha256", actual, CancellationToken.None).ConfigureAwait(false);
        File.Move(partial, path, overwrite: true);
        WriteStamp(backbone, path, actual);
        return path;
    }

    /// <summary>Downloads from <paramref name="offset"/> on (a Range request when above zero) and returns the bytes now in <paramref name="sink"/>.</summary>
    private async Task<long> FetchAsync(BackboneDescriptor backbone, Uri url, FileStream sink, long offset, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (offset > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            Restart(sink);
            return await FetchAsync(backbone, url, sink, 0, progress, cancellationToken).ConfigureAwait(false);
        }
        response.EnsureSuccessStatusCode();
        if (offset > 0 && (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset))
            offset = Restart(sink); // the server sent the whole file (200) or another range: start again from zero
        sink.Position = offset;
        long? total = backbone.SizeBytes ?? (response.Content.Headers.ContentLength is long length ? offset + length : null);
        progress?.Report(new DownloadProgress(backbone.Name, offset, total));

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[BufferSize];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            offset += read;
            progress?.Report(new DownloadProgress(backbone.Name, offset, total));
            if (backbone.SizeBytes is long size && offset > size) throw new SizeExceededException();
        }
        return offset;
    }

    private static long Restart(FileStream sink)
    {
        sink.SetLength(0);
        sink.Position = 0;
        return 0;
    }

    private void Verify(BackboneDescriptor backbone, string path)
    {
        string? expected = ExpectedSha256(backbone, path);
        if (expected is null && backbone.SizeBytes is null) return; // placed there by the user, nothing to check against
        if (expected is not null && HasValidStamp(backbone, path, expected)) return;
        long size = new FileInfo(path).Length;
        string actual = ComputeSha256(path);
        bool sizeMatches = backbone.SizeBytes is null || size == backbone.SizeBytes;
        if (!sizeMatches || (expected is not null && !actual.Equals(expected, StringComparison.OrdinalIgnoreCase)))
            throw new BackboneUnavailableException(
                $"The file {path} has SHA-256 {actual} and {Describe(size)} bytes, but {backbone.DisplayName} should have SHA-256 " +
                $"{expected ?? "(not known)"} and {Describe(backbone.SizeBytes)} bytes. The file is damaged or not the expected model: " +
                $"delete it and {Replacement(backbone)}.");
        WriteStamp(backbone, path, actual);
    }

    private static string Replacement(BackboneDescriptor backbone) => backbone.Source switch
    {
        DownloadSource d => $"run again to download it anew (or save the file from {d.Url} there yourself)",
        NuGetPackageSource p => $"restore and build the application again so that the package {p.PackageId} {p.Version} copies it anew",
        _ => "export it again (see docs/onnx-backbones.md)",
    };

    private static string? ExpectedSha256(BackboneDescriptor backbone, string path)
    {
        if (backbone.Sha256 is not null) return backbone.Sha256.ToLowerInvariant();
        string pin = path + ".sha256";
        return File.Exists(pin) ? File.ReadAllText(pin).Trim().ToLowerInvariant() : null;
    }

    private string StampPath(BackboneDescriptor backbone) => Path.Combine(Options.CacheDirectory, backbone.FileName + ".verified");

    private static string StampText(string path, string sha256)
    {
        var info = new FileInfo(path);
        return string.Join('\t', sha256.ToLowerInvariant(), info.Length.ToString(CultureInfo.InvariantCulture),
            info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture), Path.GetFullPath(path));
    }

    private bool HasValidStamp(BackboneDescriptor backbone, string path, string expectedSha256)
    {
        string stamp = StampPath(backbone);
        try
        {
            return File.Exists(stamp) && File.ReadAllText(stamp).Trim() == StampText(path, expectedSha256);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void WriteStamp(BackboneDescriptor backbone, string path, string sha256)
    {
        try
        {
            Directory.CreateDirectory(Options.CacheDirectory);
            string stamp = StampPath(backbone), temporary = stamp + $".{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, StampText(path, sha256));
            File.Move(temporary, stamp, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the stamp only saves time: without it the file is hashed again on the next use
        }
    }

    private static string Describe(long? bytes) => bytes is long b ? b.ToString(CultureInfo.InvariantCulture) : "an unknown number of";

    private static BackboneUnavailableException Unavailable(BackboneDescriptor backbone, string path, string why, Exception? inner = null)
    {
        string source = backbone.Download is null ? "an ONNX export of it (see docs/onnx-backbones.md)" : backbone.Download.ToString();
        string checksum = backbone.Sha256 is null ? ""
            : backbone.SizeBytes is long size ? $" (SHA-256 {backbone.Sha256}, {Describe(size)} bytes)" : $" (SHA-256 {backbone.Sha256})";
        return new BackboneUnavailableException(
            $"{backbone.DisplayName} weights are not in the cache and {why}. Download {source}{checksum} and save it as " +
            $"{path}, or pass the path of any ONNX CNN instead (e.g. --weights model.onnx).", inner);
    }

    private BackboneUnavailableException PackageMissing(BackboneDescriptor backbone, NuGetPackageSource package, string cachePath)
    {
        string alternative = backbone.Alternative is { } other ? $", or use the catalog backbone {other} instead" : "";
        return new BackboneUnavailableException(
            $"{backbone.DisplayName} ships in the NuGet package {package.PackageId} {package.Version}, and its file is not at " +
            $"{PackagePathFor(backbone)}. Add {package.PackageReference} to your application's project file (the package copies " +
            $"{package.RelativePath.Replace('\\', '/')} into the output folder){alternative}; or copy that file (SHA-256 {backbone.Sha256}) " +
            $"to {cachePath}.");
    }

    /// <summary>More bytes arrived than the catalog's size: the download is refused without reading the rest.</summary>
    private sealed class SizeExceededException : Exception;
}
