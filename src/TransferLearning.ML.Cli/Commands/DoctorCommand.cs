using System.CommandLine;
using TransferLearning.ML.Diagnostics;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl doctor</c>: check that TorchSharp and ONNX Runtime load and agree on this machine.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check that the native engines (TorchSharp/libtorch, ONNX Runtime) load and agree.");
        command.SetAction((parse, cancellationToken) => Task.FromResult(CommandRunner.Run(_ =>
        {
            var report = EnvironmentCheck.Run();
            Console.WriteLine($"TorchSharp   {report.TorchSharpVersion} ({report.TorchThreads} threads)");
            Console.WriteLine($"ONNX Runtime {report.OnnxRuntimeVersion}");
            Console.WriteLine($"allocator    {report.Allocator.Description}");
            Console.WriteLine($"arenas       {(Runtime.NativeAllocator.SingleArena ? "MALLOC_ARENA_MAX=1: every thread allocates from the main heap" : "per thread (glibc default); set MALLOC_ARENA_MAX=1 when training from worker threads (docs/performance.md)")}");
            Console.WriteLine($"int8         {Onnx.QuantizedKernelPrecision.Describe()}");
            Console.WriteLine($"agreement    max |difference| = {report.MaxAbsoluteDifference}");
            return report.MaxAbsoluteDifference < 1e-4 ? ExitCodes.Success : ExitCodes.Failure;
        }, cancellationToken)));
        return command;
    }
}
