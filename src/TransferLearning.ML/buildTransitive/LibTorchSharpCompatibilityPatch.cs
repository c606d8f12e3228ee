// Compiled by MSBuild's RoslynCodeTaskFactory when an application that references TransferLearning.ML builds;
// it is not part of the library assembly.
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
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharpForOldLibStdCxx : Microsoft.Build.Utilities.Task
{
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Folders searched (with their runtimes/linux-*/native sub-folders) for libLibTorchSharp.so.</summary>
    [Required]
    public string[] Directories { get; set; } = Array.Empty<string>();

    /// <summary>Optional path of the libstdc++.so.6 to compare against; found in the usual places when empty.</summary>
    public string HostLibStdCxx { get; set; } = "";

    public override bool Execute()
    {
        var targets = FindLibraries();
        if (targets.Count == 0) return true;

        string host = string.IsNullOrEmpty(HostLibStdCxx) ? FindHostLibStdCxx() : HostLibStdCxx;
        if (host == null || !File.Exists(host))
        {
            Log.LogMessage(MessageImportance.Low, "TransferLearning.ML: no libstdc++.so.6 found on this machine; libLibTorchSharp.so left as it is.");
            return true;
        }

        HashSet<string> provided;
        try { provided = ReadDefinedVersions(File.ReadAllBytes(host)); }
        catch (Exception e)
        {
            Log.LogWarning("TransferLearning.ML: could not read the version definitions of {0} ({1}); libLibTorchSharp.so left as it is.", host, e.Message);
            return true;
        }

        foreach (string path in targets)
        {
            try { PatchOne(path, provided); }
            catch (Exception e)
            {
                Log.LogWarning("TransferLearning.ML: could not inspect {0} ({1}). If TorchSharp then fails to load, your libstdc++ is older than the one libLibTorchSharp.so was built against.", path, e.Message);
            }
        }
        return true;
    }

    private List<string> FindLibraries()
    {
        var found = new List<string>();
        foreach (string dir in Directories)
        {
            if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir)) continue;
            string top = Path.Combine(dir, "libLibTorchSharp.so");
            if (File.Exists(top)) found.Add(Path.GetFullPath(top));
            string runtimes = Path.Combine(dir, "runtimes");
            if (!Directory.Exists(runtimes)) continue;
            foreach (string rid in Directory.GetDirectories(runtimes, "linux*"))
            {
                string candidate = Path.Combine(rid, "native", "libLibTorchSharp.so");
                if (File.Exists(candidate)) found.Add(Path.GetFullPath(candidate));
            }
        }
        return found;
    }

    private static string FindHostLibStdCxx()
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

    private void PatchOne(string path, HashSet<string> provided)
    {
        var changes = new List<VersionNeed>();
        foreach (var need in ReadNeededVersions(File.ReadAllBytes(path)))
            if (need.File.StartsWith("libstdc++", StringComparison.Ordinal) && !need.Weak && !provided.Contains(need.Name))
                changes.Add(need);
        if (changes.Count == 0) return;

        DateTime stamp = File.GetLastWriteTimeUtc(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
        {
            foreach (var change in changes)
            {
                ushort flags = (ushort)(change.Flags | VerFlagWeak);
                stream.Position = change.FlagsOffset;
                stream.WriteByte((byte)(flags & 0xff));
                stream.WriteByte((byte)(flags >> 8));
            }
        }
        File.SetLastWriteTimeUtc(path, stamp);
        var names = new List<string>();
        foreach (var change in changes) names.Add(change.Name);
        Log.LogMessage(MessageImportance.Normal,
            "TransferLearning.ML: marked {0} weak in {1} (this machine's libstdc++ does not define it; no code uses it).",
            string.Join(", ", names), path);
    }

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
