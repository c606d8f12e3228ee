using TransferLearning.ML.Diagnostics;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Tests.Diagnostics;

public class EnvironmentCheckTests
{
    [Fact]
    public void TorchSharp_and_OnnxRuntime_compute_the_same_product()
    {
        EnvironmentReport report = EnvironmentCheck.Run();

        // x (2×3) · w (3×2) worked out by hand
        float[] expected = [1 * 0.5f + 2 * 2f + 3 * -3f, 1 * -1f + 2 * 0.25f + 3 * 1.5f,
                            4 * 0.5f + 5 * 2f + 6 * -3f, 4 * -1f + 5 * 0.25f + 6 * 1.5f];
        Assert.Equal(expected, report.TorchResult);
        Assert.Equal(expected, report.OnnxRuntimeResult);
        Assert.Equal(0f, report.MaxAbsoluteDifference);
        Assert.StartsWith("1.", report.OnnxRuntimeVersion);
    }

    [Fact]
    public void Allocator_is_tuned_on_glibc_unless_the_environment_already_decides()
    {
        AllocatorTuning tuning = NativeAllocator.EnsureApplied();
        bool environmentDecides = Environment.GetEnvironmentVariable("MALLOC_MMAP_MAX_") is not null
                                  || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null;
        if (OperatingSystem.IsLinux() && !environmentDecides)
            Assert.True(tuning.Applied, tuning.Description);
        else
            Assert.False(tuning.Applied);
        Assert.Same(tuning, NativeAllocator.EnsureApplied());
    }
}
