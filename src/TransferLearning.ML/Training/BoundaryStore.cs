using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace TransferLearning.ML.Training;

/// <summary>
/// Where a <see cref="PrefixCache"/> keeps one view's boundary tensors, image by image: in memory (one array) or,
/// when the memory budget is too small, in a scratch file on disk (<see cref="FineTuneOptions.FrozenOutputDiskCacheBytes"/>),
/// read back batch by batch with positioned reads (the OS page cache, not the process, holds what is hot).
/// </summary>
internal abstract class BoundaryStore : IDisposable
{
    protected BoundaryStore(int perImage) => PerImage = perImage;

    /// <summary>Floats per image.</summary>
    public int PerImage { get; }

    /// <summary>Stores image <paramref name="sample"/>'s boundary.</summary>
    public abstract void Write(int sample, ReadOnlySpan<float> values);

    /// <summary>Reads image <paramref name="sample"/>'s boundary into <paramref name="target"/>.</summary>
    public abstract void Read(int sample, Span<float> target);

    public virtual void Dispose() { }

    /// <summary>An array of <paramref name="samples"/> × <paramref name="perImage"/> floats, or null above <see cref="Array.MaxLength"/>.</summary>
    public static BoundaryStore? InMemory(int samples, long perImage) =>
        perImage * samples > Array.MaxLength ? null : new MemoryStore(samples, (int)perImage);

    /// <summary>
    /// A scratch file in <paramref name="directory"/>, deleted when disposed (on Unix it is unlinked at once, so
    /// not even a killed process leaves it behind), or null when the folder cannot take it.
    /// </summary>
    public static BoundaryStore? OnDisk(string directory, int samples, long perImage, out string? whyNot)
    {
        whyNot = null;
        long bytes = samples * perImage * sizeof(float);
        try
        {
            Directory.CreateDirectory(directory);
            long free = new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace;
            // leave the disk a margin: other files of the run (checkpoints, the model) still have to fit
            if (free < bytes + (256L << 20))
            {
                whyNot = $"{directory} has {free / 1e6:F0} MB free, {bytes / 1e6:F0} MB are needed";
                return null;
            }
            return new FileStore(directory, checked((int)perImage), bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            whyNot = $"{directory}: {e.Message}";
            return null;
        }
    }

    private sealed class MemoryStore(int samples, int perImage) : BoundaryStore(perImage)
    {
        private readonly float[] _values = GC.AllocateUninitializedArray<float>(checked(samples * perImage));

        public override void Write(int sample, ReadOnlySpan<float> values) => values.CopyTo(_values.AsSpan(sample * PerImage, PerImage));

        public override void Read(int sample, Span<float> target) => _values.AsSpan(sample * PerImage, PerImage).CopyTo(target);
    }

    private sealed class FileStore : BoundaryStore
    {
        private readonly SafeFileHandle _file;

        public FileStore(string directory, int perImage, long bytes) : base(perImage)
        {
            string path = Path.Combine(directory, $"tl-frozen-output-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
            _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose, bytes);
            if (!OperatingSystem.IsWindows()) File.Delete(path); // the open handle keeps the data
        }

        public override void Write(int sample, ReadOnlySpan<float> values) =>
            RandomAccess.Write(_file, MemoryMarshal.AsBytes(values), Offset(sample));

        public override void Read(int sample, Span<float> target)
        {
            var bytes = MemoryMarshal.AsBytes(target[..PerImage]);
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(_file, bytes[read..], Offset(sample) + read);
                if (n == 0) throw new IOException("the frozen-output scratch file ended early");
                read += n;
            }
        }

        private long Offset(int sample) => (long)sample * PerImage * sizeof(float);

        public override void Dispose() => _file.Dispose();
    }
}
