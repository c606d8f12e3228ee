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
        // libtorch warns once per thread that NNPACK does not support this CPU (it falls back to other kernels);
        // only errors are worth a user's attention. An explicit setting of the variable is kept.
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is null)
            Environment.SetEnvironmentVariable("TORCH_CPP_LOG_LEVEL", "ERROR");
    }
#pragma warning restore CA2255
}
