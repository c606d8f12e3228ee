// Feature extraction speed: TransferLearning.ML's OnnxRuntimeFeatureExtractor against a bare ONNX Runtime
// InferenceSession on the same cut graph, same batch and threads, interleaved repetitions.
//
//   dotnet run --project bench/FeatureExtractionBench -c Release [-- --repetitions 7 --threads 2 --shared ../shared]
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx;

const double PeakGflops = 445; // measured FP32 peak of the 2-core AVX-512 build machines

int repetitions = IntOption("--repetitions", 7);
int threads = IntOption("--threads", 2);
string shared = Option("--shared") ?? Environment.GetEnvironmentVariable("TL_SHARED_DIR") ?? DefaultShared();

Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {threads} intra-op threads, {repetitions} interleaved repetitions, " +
                  $"{Environment.ProcessorCount} logical cores, load average {LoadAverage()}");
Console.WriteLine();
Console.WriteLine($"{"model",-12} {"batch",5} {"GMAC/img",9} {"extractor img/s",16} {"bare img/s",11} {"ratio",6} {"extractor GFLOP/s",18} {"% of peak",9}");

var mobileNet = OnnxModel.Load(Path.Combine(shared, "models", "mobilenetv2-imagenet.onnx"));
Measure("MobileNetV2", mobileNet, batch: 32, batches: 2);

var vgg16 = OnnxModel.Load(Path.Combine(shared, "models", "architectures", "vgg16.onnx")).MaterializeParameterInputs(seed: 1);
Measure("VGG16", vgg16, batch: 8, batches: 1);
return 0;

void Measure(string name, OnnxModel full, int batch, int batches)
{
    var feature = GraphSurgery.FindFeatureTensor(full);
    var cut = GraphSurgery.CutAt(full, feature.Name);
    long macs = OnnxModelCost.MultiplyAccumulatesPerImage(cut);
    using var extractor = new OnnxRuntimeFeatureExtractor(cut, new OnnxRuntimeOptions { IntraOpThreads = threads, InterOpThreads = 1 });
    int[] shape = extractor.InputShape;
    int images = batch * batches;
    var pixels = new float[images * shape[0] * shape[1] * shape[2]];
    var random = new Random(1);
    for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
    var features = new float[images * extractor.FeatureLength];

    using var sessionOptions = new SessionOptions
    {
        IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
    using var session = new InferenceSession(GraphSurgery.WithDynamicBatch(cut).ToBytes(), sessionOptions);
    string inputName = cut.Inputs[0].Name, outputName = cut.Outputs[0].Name;
    using var runOptions = new RunOptions();
    var batchInputs = Enumerable.Range(0, batches)
        .Select(b => pixels.AsSpan(b * batch * shape[0] * shape[1] * shape[2], batch * shape[0] * shape[1] * shape[2]).ToArray())
        .ToArray();

    void RunExtractor() => extractor.Extract(pixels, batch, features);
    void RunBare()
    {
        // the usual way to call ONNX Runtime: tensor over a managed array, outputs allocated by the runtime
        foreach (float[] input in batchInputs)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, shape[0], shape[1], shape[2]]);
            using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
        }
    }

    RunExtractor(); // warm-up: first-run allocations and kernel selection
    RunBare();
    var extractorRates = new List<double>();
    var bareRates = new List<double>();
    for (int r = 0; r < repetitions; r++)
    {
        extractorRates.Add(images / Time(RunExtractor));
        bareRates.Add(images / Time(RunBare));
    }
    double extractorRate = Median(extractorRates), bareRate = Median(bareRates);
    double gflops = extractorRate * macs * 2 / 1e9;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-12} {batch,5} {macs / 1e9,9:F3} {extractorRate,16:F1} {bareRate,11:F1} {extractorRate / bareRate,6:F3} {gflops,18:F1} {100 * gflops / PeakGflops,8:F1}%"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{"",-12} runs img/s extractor [{string.Join(", ", extractorRates.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}] " +
        $"bare [{string.Join(", ", bareRates.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}]"));
}

static double Time(Action action)
{
    var stopwatch = Stopwatch.StartNew();
    action();
    return stopwatch.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

string? Option(string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

int IntOption(string name, int fallback) =>
    Option(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

static string DefaultShared()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
            return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    throw new DirectoryNotFoundException("shared/ not found: pass --shared PATH or set TL_SHARED_DIR.");
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
