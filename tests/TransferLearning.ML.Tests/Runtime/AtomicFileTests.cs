using TransferLearning.ML.Runtime;
using TransferLearning.ML.Tests.Data;

namespace TransferLearning.ML.Tests.Runtime;

public sealed class AtomicFileTests
{
    private static string Guid32() => Guid.NewGuid().ToString("N");

    private static string Stale(TempFolder folder, string name, TimeSpan age)
    {
        string path = folder.File(name);
        File.WriteAllText(path, "partial");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }

    [Fact]
    public void Next_write_in_a_folder_removes_temporaries_left_by_a_killed_writer()
    {
        using var folder = new TempFolder();
        // what kill -9 during Save leaves: the owner's process id is gone
        string deadOwner = Stale(folder, $".model.tlmodel.999999999.{Guid32()}.tmp", TimeSpan.Zero);
        // names written by earlier versions (no process id) older than a minute
        string legacyOld = Stale(folder, $".checkpoint.tlckpt.{Guid32()}.tmp", TimeSpan.FromMinutes(5));
        string legacyFresh = Stale(folder, $".checkpoint.tlckpt.{Guid32()}.tmp", TimeSpan.FromSeconds(5));
        // a writer that is still running (pid 1 always exists) and this process's own: kept
        string liveOwner = Stale(folder, $".other.tlmodel.1.{Guid32()}.tmp", TimeSpan.FromMinutes(10));
        string ownProcess = Stale(folder, $".mine.tlmodel.{Environment.ProcessId}.{Guid32()}.tmp", TimeSpan.FromDays(1));
        string unrelated = Stale(folder, ".notes.tmp", TimeSpan.FromDays(1));

        string target = folder.File("metrics.json");
        AtomicFile.WriteAllText(target, "{}");

        Assert.Equal("{}", File.ReadAllText(target));
        Assert.False(File.Exists(deadOwner));
        Assert.False(File.Exists(legacyOld));
        Assert.True(File.Exists(legacyFresh));
        Assert.True(File.Exists(liveOwner));
        Assert.True(File.Exists(ownProcess));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Successful_and_failed_writes_leave_no_temporary_file()
    {
        using var folder = new TempFolder();
        AtomicFile.WriteAllText(folder.File("a.json"), "1");
        Assert.Throws<InvalidOperationException>(() =>
            AtomicFile.Write(folder.File("b.json"), _ => throw new InvalidOperationException("writer failed")));
        Assert.Equal(["a.json"], Directory.GetFiles(folder.Path).Select(f => Path.GetFileName(f)!).ToArray());
    }

    [Fact]
    public void Stale_temporary_of_an_old_pid_is_removed_after_the_stale_age()
    {
        using var folder = new TempFolder();
        string old = Stale(folder, $".model.tlmodel.1.{Guid32()}.tmp", AtomicFile.StaleAge + TimeSpan.FromMinutes(1));
        Assert.Equal(1, AtomicFile.RemoveStaleTemporaries(folder.Path));
        Assert.False(File.Exists(old));
    }
}
