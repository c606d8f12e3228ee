// Compiled twice: by MSBuild's RoslynCodeTaskFactory when an application that references TransferLearning.ML builds
// (the task below, run after each build and publish), and into the library itself with TRANSFERLEARNING_ML_LIBRARY
// defined (only LibStdCxxVersions, which Runtime/LibStdCxxCompatibility.cs uses when the application first loads the
// library, so that a machine that runs the application but did not build it is handled too).
//
// Why: TorchSharp 0.107's libLibTorchSharp.so lists GLIBCXX_3.4.32 among the libstdc++ versions it needs, but
// Debian 12 and Ubuntu 22.04 ship a libstdc++ that stops at GLIBCXX_3.4.30, so the dynamic loader refuses the
// library and TorchSharp reports that it "doesn't contain a reference to libtorch-cpu-linux-x64". The only symbol
// bound to that version (std::ios_base_library_init) is never relocated, so marking the version requirement
// weak (VER_FLG_WEAK in .gnu.version_r) lets the loader accept the library without changing any code it runs.
//
// The task only flags libstdc++ versions that this machine's libstdc++ does not define, so on a host whose
// libstdc++ is new enough it changes nothing; running it twice changes nothing either. It keeps the file's
// timestamp so that MSBuild's incremental copy does not see a modified file.
#nullable disable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

#if !TRANSFERLEARNING_ML_LIBRARY
using TransferLearning.ML.Build;

public sealed class PatchLibTorchSharpForOldLibStdCxx : Microsoft.Build.Utilities.Task
{
    /// <summary>Folders searched (with their runtimes/linux-*/native sub-folders) for libLibTorchSharp.so.</summary>
    [Microsoft.Build.Framework.Required]
    public string[] Directories { get; set; } = Array.Empty<string>();

    /// <summary>Optional path of the libstdc++.so.6 to compare against; found in the usual places when empty.</summary>
    public string HostLibStdCxx { get; set; } = "";

    public override bool Execute()
    {
        var targets = LibStdCxxVersions.FindLibraries(Directories);
        if (targets.Count == 0) return true;

        string host = string.IsNullOrEmpty(HostLibStdCxx) ? LibStdCxxVersions.FindHostLibStdCxx() : HostLibStdCxx;
        if (host == null || !File.Exists(host))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "TransferLearning.ML: no libstdc++.so.6 found on this machine; libLibTorchSharp.so left as it is.");
            return true;
        }

        HashSet<string> provided;
        try { provided = LibStdCxxVersions.ReadDefinedVersions(File.ReadAllBytes(host)); }
        catch (Exception e)
        {
            Log.LogWarning("TransferLearning.ML: could not read the version definitions of {0} ({1}); libLibTorchSharp.so left as it is.", host, e.Message);
            return true;
        }

        foreach (string path in targets)
        {
            try
            {
                var changed = LibStdCxxVersions.MarkUnmetWeak(path, provided, inPlace: true);
                if (changed.Count > 0)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "TransferLearning.ML: marked {0} weak in {1} (this machine's libstdc++ does not define it; no code uses it).",
                        string.Join(", ", changed), path);
            }
            catch (Exception e)
            {
                Log.LogWarning("TransferLearning.ML: could not inspect {0} ({1}). If TorchSharp then fails to load, your libstdc++ is older than the one libLibTorchSharp.so was built against.", path, e.Message);
            }
        }
        return true;
    }

    /// <summary>Every version requirement (library, version name, flags) of an ELF64 little-endian file.</summary>
    public static List<LibStdCxxVersions.VersionNeed> ReadNeededVersions(byte[] elf) => LibStdCxxVersions.ReadNeededVersions(elf);

    /// <summary>The version names an ELF64 little-endian shared library defines (.gnu.version_d).</summary>
    public static HashSet<string> ReadDefinedVersions(byte[] elf) => LibStdCxxVersions.ReadDefinedVersions(elf);
}
#endif

#if TRANSFERLEARNING_ML_LIBRARY
namespace TransferLearning.ML.Runtime
#else
namespace TransferLearning.ML.Build
#endif
{
/// <summary>
/// Reads the libstdc++ version requirements of libLibTorchSharp.so and the versions a libstdc++.so.6 defines, and
/// marks the requirements that the libstdc++ lacks weak (VER_FLG_WEAK), so that the dynamic loader accepts the library.
/// </summary>
#if TRANSFERLEARNING_ML_LIBRARY
internal
#else
public
#endif
static class LibStdCxxVersions
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The file name of TorchSharp's native library on Linux.</summary>
    public const string TorchSharpFileName = "libLibTorchSharp.so";

    /// <summary>libLibTorchSharp.so in each folder and in its runtimes/linux*/native sub-folders.</summary>
    public static List<string> FindLibraries(IEnumerable<string> directories)
    {
        var found = new List<string>();
        foreach (string dir in directories)
        {
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir)) continue;
            string top = Path.Combine(dir, TorchSharpFileName);
            if (File.Exists(top)) found.Add(Path.GetFullPath(top));
            string runtimes = Path.Combine(dir, "runtimes");
            if (!Directory.Exists(runtimes)) continue;
            foreach (string rid in Directory.GetDirectories(runtimes, "linux*"))
            {
                string candidate = Path.Combine(rid, "native", TorchSharpFileName);
                if (File.Exists(candidate)) found.Add(Path.GetFullPath(candidate));
            }
        }
        var distinct = new List<string>();
        foreach (string f in found) if (!distinct.Contains(f)) distinct.Add(f);
        return distinct;
    }

    /// <summary>The machine's libstdc++.so.6 in the usual places, or null.</summary>
    public static string FindHostLibStdCxx()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/libstdc++.so.6",
        };
        foreach (string c in candidates)
            if (File.Exists(c)) return c;
        return null;
    }

    /// <summary>The libstdc++ versions the ELF file <paramref name="elf"/> needs, not weakly, that <paramref name="provided"/> lacks.</summary>
    public static List<VersionNeed> UnmetNeeds(byte[] elf, HashSet<string> provided)
    {
        var unmet = new List<VersionNeed>();
        foreach (var need in ReadNeededVersions(elf))
            if (need.File.StartsWith("libstdc++", StringComparison.Ordinal) && !need.Weak && !provided.Contains(need.Name))
                unmet.Add(need);
        return unmet;
    }

    /// <summary>
    /// Marks weak every libstdc++ version <paramref name="path"/> needs that <paramref name="provided"/> lacks; returns
    /// their names (empty when nothing had to change, and then the file is not touched). In place keeps the file
    /// (and its timestamp, so that MSBuild's incremental copy sees no change); otherwise a patched copy replaces the
    /// file in one rename, so that a process that has the old file open or mapped keeps it intact.
    /// </summary>
    public static List<string> MarkUnmetWeak(string path, HashSet<string> provided, bool inPlace)
    {
        byte[] elf = File.ReadAllBytes(path);
        var changes = UnmetNeeds(elf, provided);
        var names = new List<string>();
        if (changes.Count == 0) return names;
        foreach (var change in changes)
        {
            ushort flags = (ushort)(change.Flags | VerFlagWeak);
            elf[change.FlagsOffset] = (byte)(flags & 0xff);
            elf[change.FlagsOffset + 1] = (byte)(flags >> 8);
            names.Add(change.Name);
        }

        DateTime stamp = File.GetLastWriteTimeUtc(path);
        if (inPlace)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
            {
                foreach (var change in changes)
                {
                    stream.Position = change.FlagsOffset;
                    stream.WriteByte(elf[change.FlagsOffset]);
                    stream.WriteByte(elf[change.FlagsOffset + 1]);
                }
            }
        }
        else
        {
#if TRANSFERLEARNING_ML_LIBRARY
            string temporary = path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                File.WriteAllBytes(temporary, elf);
                CopyUnixMode(path, temporary);
                File.Move(temporary, path, true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
#else
            throw new NotSupportedException("the build task patches in place");
#endif
        }
        File.SetLastWriteTimeUtc(path, stamp);
        return names;
    }

#if TRANSFERLEARNING_ML_LIBRARY
    private static void CopyUnixMode(string from, string to)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(to, File.GetUnixFileMode(from));
    }
#endif

    /// <summary>A version requirement in an ELF file's .gnu.version_r section.</summary>
    public sealed class VersionNeed
    {
        public string File { get; set; } = "";
        public string Name { get; set; } = "";
        public ushort Flags { get; set; }
        public long FlagsOffset { get; set; }
        public bool Weak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>Every version requirement (library, version name, flags) of an ELF64 little-endian file.</summary>
    public static List<VersionNeed> ReadNeededVersions(byte[] elf)
    {
        var needs = new List<VersionNeed>();
        var sections = Elf64.Sections(elf);
        foreach (var s in sections)
        {
            if (s.Type != ShtGnuVerneed) continue;
            var strtab = sections[(int)s.Link];
            long entry = (long)s.Offset;
            for (int n = 0; n < (int)s.Info; n++)
            {
                ushort count = Elf64.U16(elf, entry + 2);
                string file = Elf64.Str(elf, strtab, Elf64.U32(elf, entry + 4));
                long aux = entry + Elf64.U32(elf, entry + 8);
                for (int a = 0; a < count; a++)
                {
                    needs.Add(new VersionNeed
                    {
                        File = file,
                        Name = Elf64.Str(elf, strtab, Elf64.U32(elf, aux + 8)),
                        Flags = Elf64.U16(elf, aux + 4),
                        FlagsOffset = aux + 4,
                    });
                    aux += Elf64.U32(elf, aux + 12);
                }
                uint next = Elf64.U32(elf, entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return needs;
    }

    /// <summary>The version names an ELF64 little-endian shared library defines (.gnu.version_d).</summary>
    public static HashSet<string> ReadDefinedVersions(byte[] elf)
    {
        var versions = new HashSet<string>(StringComparer.Ordinal);
        var sections = Elf64.Sections(elf);
        foreach (var s in sections)
        {
            if (s.Type != ShtGnuVerdef) continue;
            var strtab = sections[(int)s.Link];
            long entry = (long)s.Offset;
            for (int n = 0; n < (int)s.Info; n++)
            {
                ushort auxCount = Elf64.U16(elf, entry + 6);
                long aux = entry + Elf64.U32(elf, entry + 12);
                if (auxCount > 0) versions.Add(Elf64.Str(elf, strtab, Elf64.U32(elf, aux)));
                uint next = Elf64.U32(elf, entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return versions;
    }

    private struct Section
    {
        public uint Type;
        public ulong Offset;
        public ulong Size;
        public uint Link;
        public uint Info;
    }

    private static class Elf64
    {
        public static List<Section> Sections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("not a little-endian 64-bit ELF file");
            ulong shoff = U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3A);
            ushort shnum = U16(elf, 0x3C);
            if (shoff == 0 || shentsize < 64 || shoff + (ulong)shnum * shentsize > (ulong)elf.Length)
                throw new InvalidDataException("section header table out of range");
            var list = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = (long)shoff + (long)i * shentsize;
                list.Add(new Section
                {
                    Type = U32(elf, h + 4),
                    Offset = U64(elf, h + 24),
                    Size = U64(elf, h + 32),
                    Link = U32(elf, h + 40),
                    Info = U32(elf, h + 44),
                });
            }
            return list;
        }

        public static ushort U16(byte[] b, long at) { Check(b, at, 2); return (ushort)(b[at] | b[at + 1] << 8); }
        public static uint U32(byte[] b, long at) { Check(b, at, 4); return BitConverter.ToUInt32(b, (int)at); }
        public static ulong U64(byte[] b, long at) { Check(b, at, 8); return BitConverter.ToUInt64(b, (int)at); }

        public static string Str(byte[] b, Section strtab, uint offset)
        {
            long start = (long)strtab.Offset + offset;
            long end = start;
            while (end < b.Length && b[end] != 0) end++;
            Check(b, start, (int)(end - start));
            return Encoding.ASCII.GetString(b, (int)start, (int)(end - start));
        }

        private static void Check(byte[] b, long at, int length)
        {
            if (at < 0 || at + length > b.Length) throw new InvalidDataException("offset out of range");
        }
    }
}
}
