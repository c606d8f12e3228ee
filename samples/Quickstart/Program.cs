using System.Globalization;
using TransferLearning.ML.Runtime;

// The smallest real run: both native engines load and agree. Replaced by the end-to-end training quickstart
// as the training issue lands.
EnvironmentReport report = EnvironmentCheck.Run();
string Join(IEnumerable<float> values) => string.Join(", ", values.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)));
Console.WriteLine($"TorchSharp {report.TorchSharpVersion} ({report.TorchThreads} threads): [{Join(report.TorchResult)}]");
Console.WriteLine($"ONNX Runtime {report.OnnxRuntimeVersion}: [{Join(report.OnnxRuntimeResult)}]");
Console.WriteLine($"max |difference| = {report.MaxAbsoluteDifference}");
Console.WriteLine($"allocator: {report.Allocator.Description}");
