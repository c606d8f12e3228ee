using System.Security.Cryptography;
using TransferLearning.ML.Backbones;

namespace TransferLearning.ML.Tests.Backbones;

public sealed class WeightStoreTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("tl-weights-").FullName;
    private readonly byte[] _content = RandomNumberGenerator.GetBytes(300_000);

    private BackboneDescriptor Entry(Uri? download, string? sha256) =>
        new("tiny", "Tiny", download, sha256, "tiny.onnx", 224, "imagenet", 8, "test", "test entry");

    private string Sha => Convert.ToHexStringLower(SHA256.HashData(_content));

    [Fact]
    public async Task Downloads_verifies_and_caches_on_first_use_only()
    {
        using var server = new LoopbackFileServer(_content);
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });
        var reports = new List<DownloadProgress>();

        string path = await store.ResolveAsync(Entry(server.Address, Sha), new SynchronousProgress<DownloadProgress>(reports.Add));
        string again = await store.ResolveAsync(Entry(server.Address, Sha));

        Assert.Equal(_content, File.ReadAllBytes(path));
        Assert.Equal(path, again);
        Assert.Equal(1, server.Requests);
        Assert.Equal(_content.Length, reports[^1].BytesReceived);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Empty(Directory.GetFiles(_cache, "*.partial"));
    }

    [Fact]
    public async Task A_download_with_the_wrong_checksum_is_discarded_with_a_clear_message()
    {
        using var server = new LoopbackFileServer(_content);
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });
        string wrong = new('0', 64);

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(Entry(server.Address, wrong)));

        Assert.Contains(wrong, error.Message);
        Assert.Contains(Sha, error.Message);
        Assert.Empty(Directory.GetFiles(_cache));
    }

    [Fact]
    public async Task Offline_the_message_says_what_to_download_and_where_to_put_it()
    {
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache, AllowDownload = false });
        var entry = Entry(new Uri("http://127.0.0.1:9/model.onnx"), Sha);

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(entry));

        Assert.Contains("http://127.0.0.1:9/model.onnx", error.Message);
        Assert.Contains(Path.Combine(_cache, "tiny.onnx"), error.Message);
        Assert.Contains("--weights", error.Message);
    }

    [Fact]
    public async Task An_unreachable_server_gives_the_same_clear_message()
    {
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });
        var entry = Entry(new Uri("http://127.0.0.1:9/model.onnx"), Sha);

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(entry));

        Assert.Contains("download failed", error.Message);
        Assert.Contains(Path.Combine(_cache, "tiny.onnx"), error.Message);
    }

    [Fact]
    public async Task A_damaged_cached_file_is_reported_not_used()
    {
        File.WriteAllBytes(Path.Combine(_cache, "tiny.onnx"), [1, 2, 3]);
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });

        var error = await Assert.ThrowsAsync<BackboneUnavailableException>(() => store.ResolveAsync(Entry(null, Sha)));

        Assert.Contains("delete it", error.Message);
    }

    [Fact]
    public async Task Unverified_downloads_need_consent_and_are_pinned_afterwards()
    {
        using var server = new LoopbackFileServer(_content);
        var refusing = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });
        await Assert.ThrowsAsync<BackboneUnavailableException>(() => refusing.ResolveAsync(Entry(server.Address, null)));

        var consenting = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache, AllowUnverifiedDownloads = true });
        string path = await consenting.ResolveAsync(Entry(server.Address, null));

        Assert.Equal(Sha, File.ReadAllText(path + ".sha256"));
        File.WriteAllBytes(path, [9, 9, 9]); // tampered after the first use
        await Assert.ThrowsAsync<BackboneUnavailableException>(() => consenting.ResolveAsync(Entry(server.Address, null)));
    }

    [Fact]
    public void Catalog_names_are_case_and_dash_insensitive_and_unknown_names_list_the_known_ones()
    {
        Assert.Equal("vgg16", BackboneCatalog.Get("VGG16").Name);
        Assert.Equal("inception_v3", BackboneCatalog.Get("inception-v3").Name);
        var error = Assert.Throws<ArgumentException>(() => BackboneCatalog.Get("alexnet"));
        Assert.Contains("resnet50", error.Message);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void The_catalog_checksum_of_the_int8_MobileNetV2_matches_the_real_file()
    {
        string file = Infrastructure.RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx");
        Assert.Equal(BackboneCatalog.Get("mobilenet_v2").Sha256, WeightStore.ComputeSha256(file));
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}

/// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
