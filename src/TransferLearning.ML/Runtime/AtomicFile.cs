using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TransferLearning.ML.Runtime;

/// <summary>
/// Writes files so that readers see either the old content or the new, never a half-written one: the bytes go to a
/// temporary file in the target's folder (same file system, so the rename is atomic), are flushed to disk, and the
/// temporary file is renamed over the target. The folder is created when missing. Used for every file the library
/// writes: models, checkpoints, exported ONNX, reports, plots, metrics.
/// </summary>
/// <remarks>
/// Temporary files are named <c>.&lt;target&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c>. A process killed mid-write (kill -9, power
/// loss) cannot delete its own; the next write into the same folder removes every such file whose owning process is
/// gone, or that is older than <see cref="StaleAge"/> (the process id may have been reused), and legacy names
/// without a process id older than a minute.
/// </remarks>
internal static partial class AtomicFile
{
    /// <summary>Age after which a temporary file is removed even though a process with its owner's id is running.</summary>
    internal static readonly TimeSpan StaleAge = TimeSpan.FromHours(6);

    /// <summary>Age after which a temporary file without a process id in its name (older library versions) is removed.</summary>
    internal static readonly TimeSpan LegacyStaleAge = TimeSpan.FromMinutes(1);

    private static readonly int s_processId = Environment.ProcessId;

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
        var swept = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (path, write) in files)
            {
                string full = Path.GetFullPath(path);
                string directory = Path.GetDirectoryName(full)!;
                Directory.CreateDirectory(directory);
                if (swept.Add(directory)) RemoveStaleTemporaries(directory);
                string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{s_processId}.{Guid.NewGuid():N}.tmp");
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

    /// <summary>
    /// Deletes the temporary files of atomic writes in <paramref name="directory"/> that no running write owns:
    /// the owning process is gone, or the file is older than <see cref="StaleAge"/> (legacy names: <see cref="LegacyStaleAge"/>).
    /// Files of this process are left alone (another thread may be writing them). Never throws.
    /// </summary>
    /// <returns>How many files were deleted.</returns>
    internal static int RemoveStaleTemporaries(string directory)
    {
        int removed = 0;
        try
        {
            if (!Directory.Exists(directory)) return 0;
            DateTime now = DateTime.UtcNow;
            foreach (string file in Directory.EnumerateFiles(directory, ".*.tmp"))
            {
                Match match = TemporaryName().Match(Path.GetFileName(file));
                if (!match.Success) continue;
                TimeSpan age;
                try { age = now - File.GetLastWriteTimeUtc(file); }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                bool stale;
                if (match.Groups["pid"].Success && int.TryParse(match.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                    stale = pid != s_processId && (age > StaleAge || !IsRunning(pid));
                else stale = age > LegacyStaleAge;
                if (stale && TryDelete(file)) removed++;
            }
        }
        catch (IOException) { /* a sweep that fails must not stop the write */ }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
        catch (System.ComponentModel.Win32Exception) { return true; }
        catch (NotSupportedException) { return true; }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; /* the original error matters more than a stray temporary file */ }
        catch (UnauthorizedAccessException) { return false; }
    }

    [GeneratedRegex(@"^\..+?\.(?:(?<pid>\d{1,10})\.)?[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
