using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 1: frozen feature extraction, the library's <see cref="OnnxRuntimeFeatureExtractor"/> on
/// <see cref="Backbone.FeatureGraph"/> against a bare ONNX Runtime session on the same graph, same batch and threads,
/// interleaved repetitions, best of N.
/// </summary>
internal static class FeatureExtractionSection
{
    public const double PeakGflops = 445; // measured FP32 peak of these 2-core AVX-512 machines (design/ARCHITECTURE.md)

    public static void Run(BenchSettings settings, BenchReport report)
    {
        var section = report.AddSection("1. Frozen feature extraction (images/s)",
            "backbone", "batch", "GMAC/img", "library img/s", "bare ORT img/s", "library / bare", "library GFLOP/s", "% of 445 GFLOP/s peak");
        int repetitions = settings.Quick ? 3 : 7;
        var mobileNet = Backbone.FromOnnx(settings.Model("mobilenetv2-imagenet.onnx"));
        var (libraryRate, bareRate) = Measure(section, "mobilenetv2", mobileNet.FeatureGraph, batch: 32, batches: settings.Quick ? 1 : 2,
            repetitions, settings.Threads, report, "featureExtraction.mobileNetV2");
        report.Set("featureExtraction.libraryImagesPerSecond", libraryRate);
        report.Set("featureExtraction.onnxRuntimeImagesPerSecond", bareRate);
        report.Set("featureExtraction.libraryToOnnxRuntimeRatio", libraryRate / bareRate);

        var vgg = Backbone.FromModel(OnnxModel.Load(settings.Model("architectures", "vgg16.onnx")).MaterializeParameterInputs(seed: 1));
        Measure(section, "vgg16 (seeded weights)", vgg.FeatureGraph, batch: 8, batches: 1, settings.Quick ? 2 : repetitions, settings.Threads, report, "featureExtraction.vgg16");
        section.Note($"{settings.Threads} intra-op threads, 1 inter-op thread, ORT_ENABLE_ALL for both; best of {repetitions} interleaved repetitions ({(settings.Quick ? 2 : repetitions)} for VGG16); " +
                     "random pixels. Bare ORT = InferenceSession.Run over OrtValue.CreateTensorValueFromMemory with runtime-allocated outputs " +
                     "(the usual way to call it); the library binds input and output to caller memory. GMAC counts Conv and Gemm/MatMul " +
                     "multiply-accumulates of the cut graph; GFLOP/s = 2 × GMAC × img/s. Top-level `featureExtraction.*ImagesPerSecond` keys are MobileNetV2.");
    }

    private static (double Library, double Bare) Measure(BenchReport.Section section, string name, OnnxModel graph, int batch, int batches,
        int repetitions, int threads, BenchReport report, string key)
    {
        long macs = GraphCost.MultiplyAccumulatesPerImage(graph);
        using var extractor = new OnnxRuntimeFeatureExtractor(graph, new OnnxRuntimeOptions { IntraOpThreads = threads, InterOpThreads = 1 });
        int[] shape = extractor.InputShape;
        int imageLength = shape[0] * shape[1] * shape[2];
        int images = batch * batches;
        var pixels = new float[images * imageLength];
        var random = new Random(1);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 2 - 1);
        var features = new float[images * extractor.FeatureLength];

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(graph.ToBytes(), sessionOptions);
        string inputName = graph.Inputs[0].Name, outputName = graph.Outputs[0].Name;
        using var runOptions = new RunOptions();
        float[][] batchInputs = Enumerable.Range(0, batches).Select(b => pixels.AsSpan(b * batch * imageLength, batch * imageLength).ToArray()).ToArray();

        void RunLibrary() => extractor.Extract(pixels, batch, features);
        void RunBare()
        {
            foreach (float[] input in batchInputs)
            {
                using var value = OrtValue.CreateTensorValueFromMemory(input, [batch, shape[0], shape[1], shape[2]]);
                using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
            }
        }

        RunLibrary(); // warm-up: first-run allocations and kernel selection
        RunBare();
        double library = 0, bare = 0;
        for (int r = 0; r < repetitions; r++)
        {
            library = Math.Max(library, images / Timing.Seconds(RunLibrary));
            bare = Math.Max(bare, images / Timing.Seconds(RunBare));
        }
        double gflops = library * macs * 2 / 1e9;
        section.Row(name, batch, macs / 1e9, library, bare, library / bare, gflops, 100 * gflops / PeakGflops);
        report.Set($"{key}.batch", batch);
        report.Set($"{key}.multiplyAccumulatesPerImage", macs);
        report.Set($"{key}.libraryImagesPerSecond", library);
        report.Set($"{key}.onnxRuntimeImagesPerSecond", bare);
        report.Set($"{key}.libraryGflopsPerSecond", gflops);
        report.Set($"{key}.onnxRuntimeGflopsPerSecond", bare * macs * 2 / 1e9);
        report.Set($"{key}.percentOfPeak", 100 * gflops / PeakGflops);
        return (library, bare);
    }
}
