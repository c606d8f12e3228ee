using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Training;

/// <summary>
/// Before the first epoch (issue #16): builds what the end of the run needs, so that a run that cannot finish fails
/// now, naming the cause, and not after all epochs: one training batch is read and preprocessed, and the final
/// classifier graph (the backbone plus the still untrained head) is built, opened in an ONNX Runtime session and run
/// on one image of that batch, its output checked to be [1, classes]. (The backbone's TorchSharp module, or in
/// feature extraction the ONNX Runtime session of the cut feature graph, are built by the runs before this.)
/// Costs one batch read, one graph export and one session.
/// </summary>
internal static class RunPreflight
{
    /// <summary>Reads the first training batch (epoch 0, never trained on); null when every image of it was skipped.</summary>
    /// <exception cref="ImageDataException">A training image cannot be read (unless unreadable images are skipped).</exception>
    public static ImageBatch? ReadOneBatch(ImageBatchLoader loader, CancellationToken cancellationToken) =>
        loader.ReadEpoch(0, cancellationToken).FirstOrDefault();

    /// <summary>
    /// Appends <paramref name="head"/> (untrained) to <paramref name="backbone"/> as the exported model will, opens an
    /// ONNX Runtime session on it and runs one image of <paramref name="batch"/>.
    /// </summary>
    /// <param name="context">The run (backbone name, preprocessing, classes, threads, logger).</param>
    /// <param name="backbone">The graph the exported model starts from; its first output is the feature tensor.</param>
    /// <param name="head">A head of the shape the run trains (its weights do not matter).</param>
    /// <param name="featureRank">Rank of the feature tensor including batch (2 or 4).</param>
    /// <param name="inputName">The graph's image input.</param>
    /// <param name="batch">One preprocessed training batch, or null.</param>
    /// <param name="what">What was built before, for the log line (e.g. "TorchSharp module (17 blocks)").</param>
    /// <exception cref="OnnxModelException">The classifier graph cannot be built, ONNX Runtime refuses it, or its
    /// output does not have the shape [1, classes]; the message says which and why.</exception>
    public static void CheckClassifier(RunContext context, ModelProto backbone, ClassifierHead head, int featureRank, string inputName,
        ImageBatch? batch, string what)
    {
        var clock = Stopwatch.StartNew();
        string name = context.Backbone.Name;
        byte[] classifier;
        try
        {
            classifier = ClassifierGraphBuilder.Append(backbone, head, featureRank).ToByteArray();
        }
        catch (Exception e) when (e is OnnxModelException or ArgumentException or InvalidOperationException)
        {
            throw new OnnxModelException(
                $"Preflight (before the first epoch): the classifier graph of {name} plus the new head cannot be built, so the trained " +
                $"model could not be exported: {e.Message}", innerException: e);
        }
        using var session = Open(classifier, name, context.Threads);
        var p = context.Preprocessing;
        string ran = "no training image to run (all of the first batch skipped)";
        if (batch is { Count: > 0 })
        {
            long[] shape;
            try
            {
                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    batch.Buffer.AsMemory(0, p.ValuesPerImage), [1, p.Channels, p.Height, p.Width]);
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, [inputName], [input], [ClassifierOutputs.Probabilities]);
                shape = outputs[0].GetTensorTypeAndShape().Shape;
            }
            catch (OnnxRuntimeException e)
            {
                throw new OnnxModelException(
                    $"Preflight (before the first epoch): ONNX Runtime cannot run the classifier graph of {name} plus the new head on a " +
                    $"{p.Width}×{p.Height} training image, so the trained model could not be evaluated: {e.Message}", innerException: e);
            }
            if (shape is not [1, var classes] || classes != context.ClassNames.Count)
                throw new OnnxModelException(
                    $"Preflight (before the first epoch): the classifier graph of {name} plus the new head gives probabilities of shape " +
                    $"[{string.Join(", ", shape)}] for one image, not [1, {context.ClassNames.Count}]: the head does not fit the feature tensor " +
                    $"{context.Backbone.Features}.");
            ran = $"run on one {p.Width}×{p.Height} image, output [1, {context.ClassNames.Count}]";
        }
        context.Logger.LogInformation(
            "Preflight passed in {Milliseconds} ms: {Built}; one training batch read ({Images} images); ONNX Runtime session of the classifier graph ({Backbone} + head) opened, {Ran}",
            clock.ElapsedMilliseconds, what, batch?.Count ?? 0, name, ran);
    }

    /// <summary>The session the trained model will open (<see cref="TransferModel"/>'s options).</summary>
    private static InferenceSession Open(byte[] classifier, string name, int threads)
    {
        try
        {
            return TransferModel.CreateSession(classifier, Math.Max(1, threads));
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxModelException(
                $"Preflight (before the first epoch): ONNX Runtime refuses the classifier graph of {name} plus the new head, so the trained " +
                $"model could not be evaluated or used: {e.Message}", innerException: e);
        }
    }
}
