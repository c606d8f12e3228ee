using System.Diagnostics;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Section 5: <see cref="TransferModel.Predict(string)"/> on kermany-cxr files: latency percentiles and
/// throughput from 1 caller thread and from 8 concurrent caller threads sharing one model.
/// </summary>
internal static class PredictorSection
{
    public static void Run(BenchSettings settings, BenchReport report, TransferModel model)
    {
        var section = report.AddSection("5. Predictor (TransferModel.Predict(path), MobileNetV2 + linear head, kermany-cxr JPEGs)",
            "caller threads", "predictions", "p50 ms", "p99 ms", "throughput img/s");
        int perThread = settings.Quick ? 60 : 500;
        string[] paths = ImageDataset.FromFolder(settings.Dataset("kermany-cxr", "train"), new ImageDatasetOptions { MaxImagesPerClass = 500, Seed = 4 })
            .Samples.Select(s => s.Source.Path!).ToArray();
        for (int i = 0; i < 5; i++) model.Predict(paths[i]); // warm-up: session creation, workspaces

        foreach (int threads in new[] { 1, 8 })
        {
            var latencies = new double[threads][];
            var wall = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                var mine = latencies[t] = new double[perThread];
                for (int i = 0; i < perThread; i++)
                {
                    long begin = Stopwatch.GetTimestamp();
                    model.Predict(paths[(t * perThread + i) % paths.Length]);
                    mine[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            double seconds = wall.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).ToArray();
            double p50 = Timing.Percentile(all, 50), p99 = Timing.Percentile(all, 99), throughput = all.Length / seconds;
            section.Row(threads, all.Length, p50, p99, throughput);
            if (threads == 1)
            {
                report.Set("predict.p50Milliseconds", p50);
                report.Set("predict.p99Milliseconds", p99);
                report.Set("predict.throughput1Thread", throughput);
            }
            else
            {
                report.Set("predict.p50Milliseconds8Threads", p50);
                report.Set("predict.p99Milliseconds8Threads", p99);
                report.Set("predict.throughput8Threads", throughput);
            }
        }
        section.Note("Latency = one Predict(path) call: read + decode the JPEG, resize, normalise, ONNX Runtime forward of the whole " +
                     $"classifier (batch 1, the model's session uses {Environment.ProcessorCount} intra-op threads). `predict.p50/p99Milliseconds` are the 1-thread figures.");
    }
}
