using System.Runtime.CompilerServices;

namespace TransferLearning.ML.Runtime;

/// <summary>Runs once when the library's assembly is loaded, before any of its code can create a tensor.</summary>
internal static class LibraryInitializer
{
#pragma warning disable CA2255 // a library module initializer is exactly what is needed: the allocator must be tuned before libtorch's first allocation
    [ModuleInitializer]
    internal static void Initialize()
    {
        NativeAllocator.EnsureApplied();
        // TorchSharp's native library may need a libstdc++ version this machine lacks (built elsewhere, run on Debian 12
        // or Ubuntu 22.04): mark that requirement weak before anything loads it. Never throws; a failure is explained
        // when the load fails (NativeLoadDiagnosis).
        try { LibStdCxxCompatibility.EnsureApplied(); }
        catch (Exception) { /* a module initializer must not fail the assembly load; the load error says what is wrong */ }
        // libtorch warns once per thread that NNPACK does not support this CPU (it falls back to other kernels);
        // only errors are worth a user's attention. An explicit setting of the variable is kept.
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is null)
            Environment.SetEnvironmentVariable("TORCH_CPP_LOG_LEVEL", "ERROR");
    }
#pragma warning restore CA2255
}
