using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace TransferLearning.ML.Training.FeatureExtraction;

/// <summary>
/// Frozen-backbone features on disk, one small file per (image content, view), in a folder keyed by the backbone's
/// hash and the preprocessing. Computed once, they are reused across epochs, runs and heads. Files are written to
/// a temporary name and renamed, so concurrent or interrupted runs never leave a partial vector.
/// </summary>
internal sealed class FeatureCache
{
    private readonly string _directory;
    private readonly int _length;

    public FeatureCache(string root, string backboneSha256, string preprocessingKey, string featureTensor, int featureLength)
    {
        string key = Hash($"{backboneSha256}|{preprocessingKey}|{featureTensor}|{featureLength}")[..24];
        _directory = Path.Combine(root, key);
        _length = featureLength;
        System.IO.Directory.CreateDirectory(_directory);
    }

    /// <summary>The default cache root: <c>TL_FEATURE_CACHE</c>, else <c>~/.cache/transferlearning-ml/features</c>.</summary>
    public static string DefaultRoot() =>
        Environment.GetEnvironmentVariable("TL_FEATURE_CACHE") is { Length: > 0 } root
            ? root
            : Path.Combine(Path.GetDirectoryName(Backbones.WeightStoreOptions.DefaultCacheDirectory())!, "features");

    public string Directory => _directory;

    public bool TryRead(string imageKey, int view, Span<float> destination)
    {
        string path = PathFor(imageKey, view);
        if (!File.Exists(path)) return false;
        using var stream = File.OpenRead(path);
        if (stream.Length != _length * sizeof(float)) return false; // from an older layout: recompute
        stream.ReadExactly(MemoryMarshal.AsBytes(destination[.._length]));
        return true;
    }

    public void Write(string imageKey, int view, ReadOnlySpan<float> features)
    {
        string path = PathFor(imageKey, view);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + $".{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
            stream.Write(MemoryMarshal.AsBytes(features[.._length]));
        File.Move(temporary, path, overwrite: true);
    }

    private string PathFor(string imageKey, int view) =>
        Path.Combine(_directory, imageKey[..2], view == 0 ? $"{imageKey}.f32" : $"{imageKey}.v{view}.f32");

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
