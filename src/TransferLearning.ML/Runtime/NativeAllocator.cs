using System.Runtime.InteropServices;

namespace TransferLearning.ML.Runtime;

/// <summary>
/// Tunes glibc's allocator for libtorch. libtorch allocates and frees many large tensors per batch; glibc serves
/// each of them with a fresh mmap/munmap pair, and the page faults that follow cost more than the arithmetic
/// (MobileNetV2 forward ran ~5× faster here with the settings below). Keeping large blocks on the heap and never
/// trimming it is what <c>MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736</c> does, applied from code so
/// that users need no environment variable.
/// </summary>
/// <remarks>
/// Applied once, automatically, when the library is first used (see <see cref="LibraryInitializer"/>), before the
/// library creates any tensor. Opt out with the AppContext switch
/// <c>TransferLearning.ML.DisableAllocatorTuning</c> (for instance
/// <c>&lt;RuntimeHostConfigurationOption Include="TransferLearning.ML.DisableAllocatorTuning" Value="true" /&gt;</c>)
/// or by setting either MALLOC_ variable yourself, which then wins.
/// </remarks>
public static class NativeAllocator
{
    /// <summary>The AppContext switch that turns the tuning off.</summary>
    public const string DisableSwitch = "TransferLearning.ML.DisableAllocatorTuning";

    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;
    private const int TrimThreshold = int.MaxValue; // mallopt takes an int; 2 GiB means "practically never"

    private static readonly Lazy<AllocatorTuning> s_applied = new(ApplyCore, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What was done to the allocator; applying it if that has not happened yet.</summary>
    public static AllocatorTuning EnsureApplied() => s_applied.Value;

    private static AllocatorTuning ApplyCore()
    {
        if (!OperatingSystem.IsLinux())
            return new AllocatorTuning(false, "not Linux: glibc allocator settings do not apply");
        if (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled)
            return new AllocatorTuning(false, $"disabled by the AppContext switch {DisableSwitch}");
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null)
            return new AllocatorTuning(false, "MALLOC_MMAP_MAX_ or MALLOC_TRIM_THRESHOLD_ is set; the environment's settings are kept");
        try
        {
            bool mmap = Glibc.mallopt(M_MMAP_MAX, 0) == 1;
            bool trim = Glibc.mallopt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            return mmap && trim
                ? new AllocatorTuning(true, "glibc: M_MMAP_MAX=0, M_TRIM_THRESHOLD=2 GiB")
                : new AllocatorTuning(false, "glibc refused mallopt");
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return new AllocatorTuning(false, "the C library has no mallopt (not glibc, e.g. musl)");
        }
    }

    /// <summary>
    /// Whether every thread allocates from glibc's main heap (<c>MALLOC_ARENA_MAX=1</c>, or
    /// <c>glibc.malloc.arena_max=1</c> in <c>GLIBC_TUNABLES</c>). Only the environment can set this: glibc fixes a
    /// thread's arena at its first allocation, long before any library code runs.
    /// </summary>
    public static bool SingleArena =>
        Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX")?.Trim() == "1"
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Split(':').Any(t => t.Trim() == "glibc.malloc.arena_max=1");

    /// <summary>
    /// Advice for code that trains on a thread other than the process's main thread (thread-pool threads, ASP.NET
    /// requests, test runners, <c>Task.Run</c>), or <c>null</c> when none is needed. glibc gives such threads
    /// their own arenas, which cannot hold blocks above 64 MB on their heaps and map every such tensor afresh,
    /// whatever the settings above; the page faults made MobileNetV2's forward pass 6-10× slower in a test host
    /// here. <c>MALLOC_ARENA_MAX=1</c> in the environment of the process keeps them on the main heap.
    /// </summary>
    public static string? WorkerThreadAdvice()
    {
        if (!OperatingSystem.IsLinux() || SingleArena || Environment.CurrentManagedThreadId == 1) return null;
        return "libtorch runs on a worker thread (thread pool, ASP.NET request, test runner or Task.Run), where glibc maps every " +
               "tensor above 64 MB afresh: training and Grad-CAM run several times slower than on the main thread. " +
               "Start the process with MALLOC_ARENA_MAX=1 in its environment (docs/performance.md).";
    }

    /// <summary>
    /// Gives the free pages of glibc's heaps back to the operating system (<c>malloc_trim(0)</c>), which the
    /// settings above otherwise never do. Called between epochs and after training: the heap holds blocks that
    /// libtorch and ONNX Runtime freed, and after the fine-tune epochs of the default recipe on kermany-cxr about
    /// 1.1 GB of it was free but resident (docs/performance.md, "Peak memory"). Whatever is in use stays where it is;
    /// pages handed back cost a page fault each when the heap reuses them. Returns whether memory was released;
    /// false off glibc, or when the tuning is not in force (glibc's own trimming then works as usual).
    /// </summary>
    internal static bool ReleaseFreeMemory()
    {
        if (!EnsureApplied().Applied) return false;
        try
        {
            return Glibc.malloc_trim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    private static class Glibc
    {
        [DllImport("libc", CallingConvention = CallingConvention.Cdecl)]
        internal static extern int mallopt(int param, int value);

        [DllImport("libc", CallingConvention = CallingConvention.Cdecl)]
        internal static extern int malloc_trim(nuint pad);
    }
}

/// <summary>The outcome of <see cref="NativeAllocator.EnsureApplied"/>.</summary>
/// <param name="Applied">Whether the allocator settings are now in force.</param>
/// <param name="Description">What was set, or why nothing was.</param>
public sealed record AllocatorTuning(bool Applied, string Description);
