using System.Text;

namespace TransferLearning.ML.Runtime;

/// <summary>
/// Writes files so that readers see either the old content or the new, never a half-written one: the bytes go to a
/// temporary file in the target's folder (same file system, so the rename is atomic), are flushed to disk, and the
/// temporary file is renamed over the target. The folder is created when missing. Used for every file the library
/// writes: models, checkpoints, exported ONNX, reports, plots, metrics.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) => WriteAll([(path, write)]);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// Writes several files that belong together (a model and its external data): every temporary file is written
    /// and flushed first, then they are renamed in order, so a failure while writing leaves all targets untouched.
    /// </summary>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        var temporaries = new List<string>();
        try
        {
            foreach (var (path, write) in files)
            {
                string full = Path.GetFullPath(path);
                string directory = Path.GetDirectoryName(full)!;
                Directory.CreateDirectory(directory);
                string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
                temporaries.Add(temporary);
                using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            for (int i = 0; i < files.Count; i++) File.Move(temporaries[i], Path.GetFullPath(files[i].Path), overwrite: true);
        }
        catch
        {
            foreach (string temporary in temporaries) TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (IOException) { /* the original error matters more than a stray temporary file */ }
        catch (UnauthorizedAccessException) { }
    }
}
