using System.Security.Cryptography;

namespace TransferLearning.ML.Backbones;

/// <summary>
/// Finds a catalog backbone's ONNX file in the local cache, or downloads it there, verifying its SHA-256.
/// Downloads are written to a temporary file and renamed into place only once complete and verified, so an
/// interrupted download never leaves a partial file where a complete one is expected.
/// </summary>
public sealed class WeightStore
{
    private readonly WeightStoreOptions _options;
    private readonly HttpClient _http;

    /// <summary>Creates a store.</summary>
    /// <param name="options">Cache folder and download policy; default <see cref="WeightStoreOptions"/>.</param>
    /// <param name="http">The client used for downloads; default a new <see cref="HttpClient"/>.</param>
    public WeightStore(WeightStoreOptions? options = null, HttpClient? http = null)
    {
        _options = options ?? new WeightStoreOptions();
        _http = http ?? new HttpClient();
        _http.Timeout = _options.DownloadTimeout;
    }

    /// <summary>Where <paramref name="backbone"/>'s file is (or would be) cached.</summary>
    public string PathFor(BackboneDescriptor backbone) => Path.Combine(_options.CacheDirectory, backbone.FileName);

    /// <summary>Whether the file is in the cache (not verified).</summary>
    public bool IsCached(BackboneDescriptor backbone) => File.Exists(PathFor(backbone));

    /// <summary>Returns the path of the verified ONNX file, downloading it first if needed.</summary>
    /// <param name="backbone">The catalog entry.</param>
    /// <param name="progress">Receives download progress; optional.</param>
    /// <param name="cancellationToken">Cancels the download; the partial file is deleted.</param>
    /// <exception cref="BackboneUnavailableException">The file is not cached and cannot be downloaded, or its
    /// checksum does not match; the message says what to download and where to put it.</exception>
    public async Task<string> ResolveAsync(BackboneDescriptor backbone, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        string path = PathFor(backbone);
        if (File.Exists(path))
        {
            Verify(backbone, path);
            return path;
        }

        if (backbone.Download is null)
            throw Unavailable(backbone, path, "no public download is known for it");
        if (!_options.AllowDownload)
            throw Unavailable(backbone, path, "downloads are turned off (WeightStoreOptions.AllowDownload = false)");
        if (backbone.Sha256 is null && !_options.AllowUnverifiedDownloads)
            throw Unavailable(backbone, path,
                "its checksum has not been verified by this library; set WeightStoreOptions.AllowUnverifiedDownloads = true to download it anyway");

        Directory.CreateDirectory(_options.CacheDirectory);
        string partial = path + $".{Guid.NewGuid():N}.partial";
        try
        {
            await DownloadAsync(backbone, partial, progress, cancellationToken).ConfigureAwait(false);
            string actual = ComputeSha256(partial);
            if (backbone.Sha256 is not null && !actual.Equals(backbone.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new BackboneUnavailableException(
                    $"The download of {backbone.DisplayName} from {backbone.Download} has SHA-256 {actual}, expected " +
                    $"{backbone.Sha256}; the file was discarded. The server may have changed the file: download it " +
                    $"yourself, check it, and save it as {path}.");
            if (backbone.Sha256 is null)
                await File.WriteAllTextAsync(path + ".sha256", actual, cancellationToken).ConfigureAwait(false);
            File.Move(partial, path, overwrite: true);
            return path;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(backbone, path, $"the download failed ({e.Message})", e);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
    }

    /// <summary>Synchronous <see cref="ResolveAsync"/>.</summary>
    public string Resolve(BackboneDescriptor backbone, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        ResolveAsync(backbone, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>The SHA-256 of a file, as lower-case hex.</summary>
    public static string ComputeSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private async Task DownloadAsync(BackboneDescriptor backbone, string target, IProgress<DownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(backbone.Download, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        long? total = response.Content.Headers.ContentLength;
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var sink = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        byte[] buffer = new byte[1 << 16];
        long received = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            received += read;
            progress?.Report(new DownloadProgress(backbone.Name, received, total));
        }
        await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        sink.Flush(flushToDisk: true);
    }

    private static void Verify(BackboneDescriptor backbone, string path)
    {
        string? expected = backbone.Sha256;
        if (expected is null && File.Exists(path + ".sha256")) expected = File.ReadAllText(path + ".sha256").Trim();
        if (expected is null) return; // placed there by the user: trusted as given
        string actual = ComputeSha256(path);
        if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
            throw new BackboneUnavailableException(
                $"The cached file {path} has SHA-256 {actual}, but {backbone.DisplayName} should be {expected}. " +
                "The file is damaged or not the expected model: delete it and run again to download it anew.");
    }

    private static BackboneUnavailableException Unavailable(BackboneDescriptor backbone, string path, string why, Exception? inner = null)
    {
        string source = backbone.Download is null ? "an ONNX export of it (see docs/onnx-backbones.md)" : backbone.Download.ToString();
        string checksum = backbone.Sha256 is null ? "" : $" (SHA-256 {backbone.Sha256})";
        return new BackboneUnavailableException(
            $"{backbone.DisplayName} weights are not in the cache and {why}. Download {source}{checksum} and save it as " +
            $"{path}, or pass the path of any ONNX CNN instead (e.g. --weights model.onnx).", inner);
    }
}
