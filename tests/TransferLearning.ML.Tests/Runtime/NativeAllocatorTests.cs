using System.Runtime.InteropServices;
using TransferLearning.ML.Runtime;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Runtime;

// serial: the resident-size reading must not see other tests' allocations
[Collection(TrainingCollection.Name)]
public class NativeAllocatorTests
{
    private const int Blocks = 96;
    private const int BlockBytes = 4 << 20; // below any mmap threshold: served from the heap, as libtorch's tensors are

    [Fact]
    public unsafe void Freed_heap_blocks_between_live_ones_go_back_to_the_system()
    {
        bool tuned = NativeAllocator.EnsureApplied().Applied;
        var blocks = new IntPtr[Blocks];
        try
        {
            for (int i = 0; i < Blocks; i++)
            {
                blocks[i] = (IntPtr)NativeMemory.Alloc(BlockBytes);
                new Span<byte>((void*)blocks[i], BlockBytes).Fill(1); // resident
            }
            // every other block freed: the free ones sit between live ones, so the heap cannot simply shrink at its top
            for (int i = 1; i < Blocks; i += 2)
            {
                NativeMemory.Free((void*)blocks[i]);
                blocks[i] = IntPtr.Zero;
            }
            long before = ResidentBytes();
            bool released = NativeAllocator.ReleaseFreeMemory();
            long after = ResidentBytes();

            if (!tuned)
            {
                Assert.False(released); // glibc's own trimming is in force (or this is not glibc): nothing to do
                return;
            }
            Assert.True(released);
            long freed = Blocks / 2 * (long)BlockBytes;
            Assert.True(before - after >= freed * 3 / 4,
                $"resident size fell by {(before - after) >> 20} MiB, expected about {freed >> 20} MiB");
        }
        finally
        {
            foreach (IntPtr block in blocks)
                if (block != IntPtr.Zero) NativeMemory.Free((void*)block);
        }
    }

    // resident pages from /proc/self/statm (second field), in bytes; Process.WorkingSet64 reads the same, slower
    private static long ResidentBytes()
    {
        if (!OperatingSystem.IsLinux()) return Environment.WorkingSet;
        string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }
}
