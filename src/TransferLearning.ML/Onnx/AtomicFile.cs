namespace TransferLearning.ML.Onnx;

/// <summary>
/// Writes a file so that readers see either the old content or the new, never a half-written one: the bytes go
/// to a temporary file in the target's folder (same file system, so the rename is atomic), are flushed to disk,
/// and the temporary file is renamed over the target.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string directory = Path.GetDirectoryName(path) ?? ".";
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save '{path}': the folder '{directory}' does not exist.");
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                       bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { /* the original error matters more than a stray temporary file */ }
        catch (UnauthorizedAccessException) { }
    }
}
