using System.Diagnostics;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

/// <summary>Runs alone (no other test class allocating meanwhile), so the process's memory can be compared.</summary>
[CollectionDefinition(nameof(ConcurrentPredictionTests), DisableParallelization = true)]
public sealed class ConcurrentPredictionCollection;

[Collection(nameof(ConcurrentPredictionTests))]
public sealed class ConcurrentPredictionTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    // 8 × 150 keeps the test near 15 s on 2 cores; bench/PredictorBench runs the full 8 × 500
    private const int Threads = 8, PredictionsPerThread = 150;

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Eight_threads_sharing_one_model_get_the_single_threaded_results_without_growing_memory()
    {
        var model = fixture.Model;
        var images = fixture.Images;
        float[][] expected = images.Select(image => model.Predict(image).Probabilities.ToArray()).ToArray();
        // warm-up: every thread's workspace exists before memory is measured
        Run(model, images, expected, predictionsPerThread: 10);
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long workingSetBefore = Process.GetCurrentProcess().WorkingSet64;

        int mismatches = Run(model, images, expected, PredictionsPerThread);

        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        long workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
        Assert.Equal(0, mismatches);
        Assert.True(managedAfter - managedBefore < 16 << 20, $"managed heap grew by {(managedAfter - managedBefore) >> 20} MiB");
        Assert.True(workingSetAfter - workingSetBefore < 256 << 20, $"working set grew by {(workingSetAfter - workingSetBefore) >> 20} MiB");
    }

    private static int Run(ML.Models.TransferModel model, IReadOnlyList<string> images, float[][] expected, int predictionsPerThread)
    {
        int mismatches = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                for (int i = 0; i < predictionsPerThread; i++)
                {
                    int which = (t + i) % images.Count;
                    if (!model.Predict(images[which]).Probabilities.SequenceEqual(expected[which]))
                        Interlocked.Increment(ref mismatches);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Empty(failures);
        return mismatches;
    }
}
