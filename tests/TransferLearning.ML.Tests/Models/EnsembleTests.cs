using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Data;
using TransferLearning.ML.Evaluation;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

/// <summary>
/// <see cref="TransferModel.Ensemble"/> of a real MobileNetV2 and a real ResNet18 model: the exported ONNX graph, run
/// in a plain ONNX Runtime session, gives the mean of the members' own probabilities; it saves, loads and refuses
/// members that do not fit together with a message naming the difference.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class EnsembleTests(EnsembleFixture fixture) : IClassFixture<EnsembleFixture>
{
    private const string Needs = TrainingData.MobileNet;

    /// <summary>The exported graph's probabilities and logits for one image, fed as the ensemble's metadata says.</summary>
    private static (float[] Probabilities, float[] Logits) RunExport(string onnx, ImagePreprocessing preprocessing, string image)
    {
        using var session = new InferenceSession(onnx);
        string input = session.InputMetadata.Keys.Single();
        float[] pixels = preprocessing.ToInput(ImageSource.FromFile(image));
        using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, preprocessing.Channels, preprocessing.Height, preprocessing.Width]);
        using var outputs = session.Run(new RunOptions(), [input], [value], ["probabilities", "logits"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    [SharedTheory(Needs, EnsembleFixture.PneumoniaMnist)]
    [InlineData(false)]
    [InlineData(true)]
    public void The_exported_graph_in_onnx_runtime_gives_the_mean_of_the_members_probabilities(bool bakeNormalization)
    {
        using var ensemble = TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet]);
        Assert.Equal(ChannelOrder.RGB, fixture.MobileNet.Preprocessing.ChannelOrder);
        Assert.Equal(ChannelOrder.BGR, fixture.ResNet.Preprocessing.ChannelOrder); // each member needs its own preprocessing
        string path = Path.Combine(fixture.Folder, $"ensemble-{bakeNormalization}.onnx");
        ensemble.ExportOnnx(path, bakeNormalization);
        var metadata = ML.Onnx.OnnxModel.Load(path).Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Contains("mobilenetv2", metadata["tl.ensemble"]);
        Assert.Contains("resnet18", metadata["tl.ensemble"]);

        double largestMemberGap = 0;
        foreach (string image in fixture.Images)
        {
            var a = fixture.MobileNet.Predict(image).Probabilities;
            var b = fixture.ResNet.Predict(image).Probabilities;
            var (exported, logits) = RunExport(path, ensemble.Preprocessing, image);
            var predicted = ensemble.Predict(image).Probabilities;
            Assert.Equal(2, exported.Length);
            for (int k = 0; k < exported.Length; k++)
            {
                double mean = (a[k] + b[k]) / 2.0;
                Assert.True(Math.Abs(exported[k] - mean) <= 1e-5, $"{Path.GetFileName(image)} class {k}: export {exported[k]}, mean of members {mean}");
                Assert.True(Math.Abs(predicted[k] - mean) <= 1e-5, $"{Path.GetFileName(image)} class {k}: Predict {predicted[k]}, mean of members {mean}");
                Assert.Equal(Math.Log(exported[k]), logits[k], 1e-4); // logits = log of the averaged probabilities
                largestMemberGap = Math.Max(largestMemberGap, Math.Abs(a[k] - b[k]));
            }
        }
        // the members disagree, so neither member alone nor a wrong preprocessing could pass as the mean
        Assert.True(largestMemberGap > 0.01, $"members agree to {largestMemberGap}: the test would not tell the mean from one member");
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void Weights_give_the_weighted_mean()
    {
        using var ensemble = TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet], [3, 1]);
        Assert.Equal([0.75, 0.25], ensemble.EnsembleMembers.Select(m => m.Weight));
        string path = Path.Combine(fixture.Folder, "weighted.onnx");
        ensemble.ExportOnnx(path);
        foreach (string image in fixture.Images.Take(3))
        {
            var a = fixture.MobileNet.Predict(image).Probabilities;
            var b = fixture.ResNet.Predict(image).Probabilities;
            var (exported, _) = RunExport(path, ensemble.Preprocessing, image);
            for (int k = 0; k < exported.Length; k++) Assert.Equal(0.75 * a[k] + 0.25 * b[k], exported[k], 1e-5);
        }
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void A_saved_ensemble_loads_and_predicts_bit_identically()
    {
        using var ensemble = TransferModel.Ensemble([fixture.ResNet, fixture.MobileNet]);
        string path = Path.Combine(fixture.Folder, "ensemble.tlmodel");
        ensemble.Save(path);
        using var loaded = TransferModel.Load(path);

        Assert.Equal(fixture.ResNet.ClassNames, loaded.ClassNames);
        Assert.Equal(0.5, loaded.DecisionThreshold);
        Assert.Equal(ThresholdPolicy.Default, loaded.ThresholdPolicy);
        Assert.Equal(Normalization.ZeroToOne, loaded.Preprocessing.Normalization, new NormalizationComparer());
        Assert.Equal(ChannelOrder.BGR, loaded.Preprocessing.ChannelOrder); // member 0's order
        Assert.Equal($"ensemble: {fixture.ResNet.BackboneName} + {fixture.MobileNet.BackboneName}", loaded.BackboneName);
        Assert.Equal([fixture.ResNet.BackboneName, fixture.MobileNet.BackboneName], loaded.EnsembleMembers.Select(m => m.BackboneName));
        Assert.Equal([fixture.ResNet.Preprocessing, fixture.MobileNet.Preprocessing], loaded.EnsembleMembers.Select(m => m.Preprocessing),
            new PreprocessingComparer());
        Assert.Equal(fixture.MobileNet.ValidationScores, loaded.EnsembleMembers[1].ValidationScores);
        Assert.Equal(TrainingMode.FeatureExtraction, loaded.Mode);
        Assert.Empty(fixture.MobileNet.EnsembleMembers);
        foreach (string image in fixture.Images)
            Assert.Equal(ensemble.Predict(image).Probabilities, loaded.Predict(image).Probabilities);
        Assert.Equal(ensemble.Predict(fixture.Images).Select(p => p.Label), loaded.Predict(fixture.Images).Select(p => p.Label));
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void Members_with_other_class_names_are_refused_with_both_lists_and_the_fix()
    {
        using var renamed = new TransferModel(fixture.ResNet.ToOnnxBytes(), fixture.ResNet.Manifest with { ClassNames = ["pneumonia", "normal"] });
        var e = Assert.Throws<ArgumentException>(() => TransferModel.Ensemble([fixture.MobileNet, renamed]));
        Assert.Equal("members", e.ParamName);
        Assert.Contains("members[1]", e.Message);
        Assert.Contains("[pneumonia, normal]", e.Message);
        Assert.Contains("[normal, pneumonia]", e.Message);
        Assert.Contains("same class names in the same order", e.Message);
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void Members_of_another_image_size_or_bad_weights_are_refused()
    {
        var smaller = PreprocessingManifest.From(fixture.ResNet.Preprocessing with { Width = 112, Height = 112 });
        using var small = new TransferModel(fixture.ResNet.ToOnnxBytes(), fixture.ResNet.Manifest with { Preprocessing = smaller });
        var size = Assert.Throws<ArgumentException>(() => TransferModel.Ensemble([fixture.MobileNet, small]));
        Assert.Contains("112×112", size.Message);
        Assert.Contains("224×224", size.Message);
        Assert.Contains("size, resize mode and channel count must match", size.Message);

        Assert.Throws<ArgumentException>(() => TransferModel.Ensemble([fixture.MobileNet]));
        var count = Assert.Throws<ArgumentException>(() => TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet], [1]));
        Assert.Equal("weights", count.ParamName);
        var negative = Assert.Throws<ArgumentException>(() => TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet], [1, -1]));
        Assert.Contains("weights[1]", negative.Message);
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void WithValidation_chooses_the_threshold_there_and_records_the_scores_it_gives()
    {
        using var ensemble = TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet]);
        Assert.Null(ensemble.ValidationScores);
        using var youden = ensemble.WithValidation(fixture.Validation, ThresholdPolicy.Youden);
        Assert.Equal(ThresholdPolicy.Youden, youden.ThresholdPolicy);
        Assert.Equal(0.5, ensemble.DecisionThreshold); // the original is unchanged

        float[,] probabilities = ModelEvaluator.Probabilities(ensemble, fixture.Validation, new EvaluationOptions { BootstrapSamples = 0 });
        int[] labels = fixture.Validation.Samples.Select(s => s.Label).ToArray();
        var positives = Enumerable.Range(0, labels.Length).Select(i => probabilities[i, 1]).ToArray();
        Assert.Equal(ThresholdSelector.YoudenJ(labels, positives), youden.DecisionThreshold!.Value, 1e-9);
        var metrics = ModelEvaluator.Evaluate(youden, fixture.Validation, new EvaluationOptions { BootstrapSamples = 0 });
        Assert.Equal(metrics.Accuracy, youden.ValidationScores!.Accuracy!.Value, 1e-9);
        Assert.Equal(metrics.RocAuc, youden.ValidationScores.RocAuc!.Value, 1e-9);
    }

    [SharedFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void ML_NET_serves_the_ensemble_like_a_single_model()
    {
        using var ensemble = TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet]);
        var mlContext = new Microsoft.ML.MLContext(seed: 1);
        var rows = fixture.Images.Select(path => new MLNet.MLNetTrainerTests.BytesRow { Image = File.ReadAllBytes(path) }).ToArray();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var scorer = ML.MLNet.MLNetScoringPipeline.Create(mlContext, ensemble, "Image", isBytes: true).Fit(data);
        var scored = mlContext.Data.CreateEnumerable<MLNet.MLNetTrainerTests.BytesScored>(scorer.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(rows.Length, scored.Count);
        foreach (var row in scored)
        {
            var expected = ensemble.Predict(row.Image).Probabilities;
            Assert.Equal(expected.Count, row.Score.Length);
            for (int k = 0; k < expected.Count; k++) Assert.Equal(expected[k], row.Score[k], 1e-5f);
        }
    }

    [OnnxCheckerFact(Needs, EnsembleFixture.PneumoniaMnist)]
    public void The_exported_ensemble_passes_the_onnx_checker()
    {
        using var ensemble = TransferModel.Ensemble([fixture.MobileNet, fixture.ResNet], [2, 1]);
        string path = Path.Combine(fixture.Folder, "checked.onnx");
        ensemble.ExportOnnx(path, bakeNormalization: true);
        var check = OnnxChecker.Check(path);
        Assert.True(check.ExitCode == 0, $"onnx.checker rejects the ensemble:\n{check.Output}");
    }

    private sealed class NormalizationComparer : IEqualityComparer<Normalization>
    {
        public bool Equals(Normalization? x, Normalization? y) => x!.Mean.SequenceEqual(y!.Mean) && x.Std.SequenceEqual(y.Std);

        public int GetHashCode(Normalization obj) => obj.Mean.Count;
    }

    private sealed class PreprocessingComparer : IEqualityComparer<ImagePreprocessing>
    {
        public bool Equals(ImagePreprocessing? x, ImagePreprocessing? y) =>
            x!.Width == y!.Width && x.Height == y.Height && x.ChannelOrder == y.ChannelOrder && x.Channels == y.Channels
            && x.ResizeMode == y.ResizeMode && new NormalizationComparer().Equals(x.Normalization, y.Normalization);

        public int GetHashCode(ImagePreprocessing obj) => obj.Width;
    }
}
