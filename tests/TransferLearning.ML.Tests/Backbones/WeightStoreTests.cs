using System.Security.Cryptography;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Backbones;

/// <summary>
/// Downloads, resumption and verification against a real HTTP server on 127.0.0.1 serving a small file through a
/// descriptor that points at it.
/// </summary>
public sealed class WeightStoreTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("tl-weights-").FullName;
    private readonly byte[] _content = RandomNumberGenerator.GetBytes(300_000);

    private BackboneDescriptor Entry(Uri? download, string? sha256, long? size) =>
        new("tiny", "Tiny", download is null ? null : new DownloadSource(download), sha256, size, "tiny.onnx",
            ImagePreprocessing.ImageNet224, 8, "test", "test entry");

    private BackboneDescriptor Entry(Uri? download) => Entry(download, Sha, _content.Length);

    private string Sha => Convert.ToHexStringLower(SHA256.HashData(_content));

    private string Target => Path.Combine(_cache, "tiny.onnx");

    private WeightStore Store(bool allowDownload = true) =>
        new(new WeightStoreOptions { CacheDirectory = _cache, AllowDownload = allowDownload });

    [Fact]
    public async Task A_download_with_the_right_hash_and_size_is_verified_and_cached_on_first_use_only()
    {
        using var server = new LoopbackFileServer(_content);
        var store = Store();
        var reports = new List<DownloadProgress>();

        string path = await store.ResolveAsync(Entry(server.Address), new SynchronousProgress<DownloadProgress>(reports.Add));
        string again = await store.ResolveAsync(Entry(server.Address));

        Assert.Equal(_content, File.ReadAllBytes(path));
        Assert.Equal(path, again);
        Assert.Equal(1, server.Requests);
        Assert.Equal(_content.Length, reports[^1].BytesReceived);
        Assert.Equal(_content.Length, reports[^1].TotalBytes);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(store.IsVerified(Entry(server.Address)));
        Assert.Empty(Directory.GetFiles(_cache, "*.partial"));
    }

    [Fact]
    public async Task A_download_with_the_wrong_hash_is_refused_and_deleted_with_expected_and_actual_hash()
    {
        using var server = new LoopbackFileServer(_content);
        string wrong = new('0', 64);

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(
            () => Store().ResolveAsync(Entry(server.Address, wrong, _content.Length)));

        Assert.Contains(wrong, error.Message);
        Assert.Contains(Sha, error.Message);
        Assert.Empty(Directory.GetFiles(_cache)); // neither the target nor a .partial
    }

    [Theory]
    [InlineData(1000)]   // the server sends fewer bytes than the catalog says
    [InlineData(-1000)]  // more: refused as soon as the size is exceeded
    public async Task A_download_of_the_wrong_size_is_refused_and_deleted(int difference)
    {
        using var server = new LoopbackFileServer(_content);
        long expected = _content.Length + difference;

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(
            () => Store().ResolveAsync(Entry(server.Address, Sha, expected)));

        Assert.Contains($"expected {expected} bytes", error.Message);
        if (difference > 0) Assert.Contains($"has {_content.Length} bytes", error.Message);
        Assert.Empty(Directory.GetFiles(_cache));
    }

    [Fact]
    public async Task An_interrupted_download_is_resumed_with_a_range_request_and_verified()
    {
        using var server = new LoopbackFileServer(_content) { CutNextResponseAfter = 120_000 };
        var store = Store();

        var interrupted = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(Entry(server.Address)));
        long kept = new FileInfo(Target + ".partial").Length;
        bool placedEarly = File.Exists(Target);
        var reports = new List<DownloadProgress>();
        string path = await store.ResolveAsync(Entry(server.Address), new SynchronousProgress<DownloadProgress>(reports.Add));

        Assert.Contains("interrupted", interrupted.Message);
        Assert.InRange(kept, 1, 120_000);
        Assert.False(placedEarly); // nothing under the real name until the whole file is verified
        Assert.Equal(new string?[] { null, $"bytes={kept}-" }, server.RangeHeaders.ToArray());
        Assert.Equal(kept, reports[0].BytesReceived);
        Assert.Equal(_content.Length, reports[^1].BytesReceived);
        Assert.Equal(_content, File.ReadAllBytes(path));
        Assert.False(File.Exists(Target + ".partial"));
        Assert.True(store.IsVerified(Entry(server.Address)));
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_restarts_the_download_from_zero()
    {
        using var server = new LoopbackFileServer(_content) { IgnoreRange = true };
        File.WriteAllBytes(Target + ".partial", RandomNumberGenerator.GetBytes(50_000)); // left by an earlier attempt

        string path = await Store().ResolveAsync(Entry(server.Address));

        Assert.Equal(new string?[] { "bytes=50000-" }, server.RangeHeaders.ToArray());
        Assert.Equal(_content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_cached_file_placed_by_hand_is_verified_and_the_check_is_remembered_until_it_changes()
    {
        File.WriteAllBytes(Target, _content);
        var store = Store(allowDownload: false);

        Assert.False(store.IsVerified(Entry(null)));
        Assert.Equal(Target, await store.ResolveAsync(Entry(null)));
        Assert.True(store.IsVerified(Entry(null)));
        Assert.True(File.Exists(Target + ".verified"));

        // rewritten with the same size: the new last-write time makes it hashed again, and refused
        var written = File.GetLastWriteTimeUtc(Target);
        byte[] damaged = (byte[])_content.Clone();
        damaged[12_345] ^= 0xFF;
        File.WriteAllBytes(Target, damaged);
        File.SetLastWriteTimeUtc(Target, written.AddSeconds(5));
        Assert.False(store.IsVerified(Entry(null)));
        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(Entry(null)));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(damaged)), error.Message);
    }

    [Fact]
    public async Task A_corrupted_cached_file_is_refused_with_the_expected_and_actual_hash()
    {
        byte[] corrupted = [1, 2, 3];
        File.WriteAllBytes(Target, corrupted);

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => Store().ResolveAsync(Entry(null)));

        Assert.Contains(Sha, error.Message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(corrupted)), error.Message);
        Assert.Contains($"{_content.Length} bytes", error.Message);
        Assert.Contains("delete it", error.Message);
        Assert.True(File.Exists(Target)); // refused, not silently removed: the user put it there
    }

    [Fact]
    public async Task Offline_the_error_names_the_url_the_cache_path_and_the_expected_sha256()
    {
        var address = new Uri($"http://127.0.0.1:{LoopbackFileServer.FreePort()}/model.onnx"); // nothing listens there

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => Store().ResolveAsync(Entry(address)));

        Assert.Contains("download failed", error.Message);
        Assert.Contains(address.ToString(), error.Message);
        Assert.Contains(Target, error.Message);
        Assert.Contains(Sha, error.Message);
        Assert.Contains("--weights", error.Message);
        Assert.Empty(Directory.GetFiles(_cache));
    }

    [Fact]
    public async Task With_downloads_turned_off_the_message_says_what_to_download_and_where_to_put_it()
    {
        var address = new Uri("http://127.0.0.1:9/model.onnx");

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => Store(allowDownload: false).ResolveAsync(Entry(address)));

        Assert.Contains(address.ToString(), error.Message);
        Assert.Contains(Target, error.Message);
        Assert.Contains(Sha, error.Message);
    }

    [Fact]
    public async Task Unverified_downloads_need_consent_and_are_pinned_afterwards()
    {
        using var server = new LoopbackFileServer(_content);
        var refusing = Store();
        await Assert.ThrowsAsync<BackboneUnavailableException>(() => refusing.ResolveAsync(Entry(server.Address, null, null)));

        var consenting = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache, AllowUnverifiedDownloads = true });
        string path = await consenting.ResolveAsync(Entry(server.Address, null, null));

        Assert.Equal(Sha, File.ReadAllText(path + ".sha256"));
        File.WriteAllBytes(path, [9, 9, 9]); // tampered after the first use
        await Assert.ThrowsAsync<BackboneUnavailableException>(() => consenting.ResolveAsync(Entry(server.Address, null, null)));
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}

/// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
