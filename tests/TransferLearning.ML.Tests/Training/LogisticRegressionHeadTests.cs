using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Training.FeatureExtraction;
using TransferLearning.ML.Training.Heads;

namespace TransferLearning.ML.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class LogisticRegressionHeadTests : IDisposable
{
    private readonly string _folder = TrainingData.TemporaryDirectory("logreg-head");

    [Fact]
    public void The_exported_Gemm_and_Softmax_give_ML_NETs_LbfgsMaximumEntropy_scores()
    {
        const int classes = 3, width = 40, count = 90;
        var random = new Random(3);
        var values = new float[count * width];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
            for (int j = 0; j < width; j++) // non-negative like pooled ReLU6 features, shifted per class
                values[i * width + j] = (float)(random.NextDouble() * 3 + (j % classes == labels[i] ? 0.8 : 0));
        }
        var features = new FeatureMatrix(values, labels, count, width, 1);
        float[] classWeights = [1.5f, 1f, 0.5f];
        var context = new MLContext(1);
        IDataView data = LogisticRegressionHeadTrainer.ToDataView(context, features, classes, classWeights);
        var (transformer, model) = LogisticRegressionHeadTrainer.Fit(context, data, weighted: true, l2: 0.1, threads: 1);
        float[][] mlNetScores = context.Data.CreateEnumerable<ScoreRow>(transformer.Transform(data), reuseRowObject: false)
            .Select(r => r.Score).ToArray();

        using var head = new ClassifierHead([width], classes, HeadOptions.Linear with { Pooling = HeadPooling.Flatten }, seed: 1);
        head.LoadOutputLayer(model.Weights, model.Biases);
        var graph = ClassifierGraphBuilder.Append(IdentityGraph(width), head, featureRank: 2);
        using var session = new InferenceSession(graph.ToByteArray());
        using var input = OrtValue.CreateTensorValueFromMemory(values, [count, width]);
        using var outputs = session.Run(new RunOptions(), ["features"], [input], [ClassifierOutputs.Probabilities]);
        float[] exported = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(count, mlNetScores.Length);
        double largest = 0;
        for (int i = 0; i < count; i++)
            for (int c = 0; c < classes; c++)
                largest = Math.Max(largest, Math.Abs(mlNetScores[i][c] - exported[i * classes + c]));
        Assert.True(largest <= 1e-4, $"largest difference {largest:E2}");
        // the fit learned something: the scores are not uniform
        int correct = Enumerable.Range(0, count).Count(i => Array.IndexOf(mlNetScores[i], mlNetScores[i].Max()) == labels[i]);
        var confusion = new int[classes, classes];
        for (int i = 0; i < count; i++) confusion[labels[i], Array.IndexOf(mlNetScores[i], mlNetScores[i].Max())]++;
        Assert.True(correct > count * 0.8, $"{correct} of {count} training rows right; " + string.Join(" ", confusion.Cast<int>()) + " b=" + string.Join(",", model.Biases));
    }

    [Fact]
    public void The_L2_with_the_lowest_validation_log_loss_is_kept_and_every_candidate_is_in_the_history()
    {
        const int width = 16;
        var random = new Random(5);
        FeatureMatrix Make(int count)
        {
            var values = new float[count * width];
            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = i % 2;
                for (int j = 0; j < width; j++) values[i * width + j] = (float)(random.NextDouble() + (j == 0 ? 0.6 * labels[i] : 0));
            }
            return new FeatureMatrix(values, labels, count, width, 1);
        }
        var options = new FeatureExtractionOptions { HeadKind = FeatureHeadKind.LogisticRegression, LogisticRegressionL2 = [1e-3, 1, 1000] };
        using var head = new ClassifierHead([width], 2, HeadOptions.Linear with { Pooling = HeadPooling.Flatten }, seed: 1);
        var run = new LogisticRegressionHeadTrainer(options, ["a", "b"], NullLogger.Instance)
            .Run(head, Make(60), Make(40), null, seed: 1, threads: 1, progress: null, CancellationToken.None);

        Assert.Equal(3, run.History.Count);
        Assert.All(run.History, e => Assert.Equal(LogisticRegressionHeadTrainer.Phase, e.Phase));
        int best = run.History.MinBy(e => e.ValidationLoss)!.Epoch;
        Assert.Equal(best, run.BestEpoch);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void An_exported_logistic_regression_head_gives_the_same_probabilities_in_ONNX_Runtime_as_Predict()
    {
        var result = TransferLearner.For(TrainingData.MobileNetV2)
            .WithImages(TrainingData.KermanySubset(perClass: 14))
            .Split(validation: 0.3, test: 0, seed: 7)
            .WithBootstrap(0)
            .ExtractFeatures(new FeatureExtractionOptions
            {
                HeadKind = FeatureHeadKind.LogisticRegression, LogisticRegressionL2 = [0.1, 1, 10], CacheDirectory = Path.Combine(_folder, "cache"),
            })
            .Fit();
        using var model = result.Model;
        Assert.Equal(3, result.History.Count);
        Assert.InRange(result.BestEpoch, 1, 3);

        string path = Path.Combine(_folder, "model.onnx");
        model.ExportOnnx(path);
        var preprocessing = model.Preprocessing;
        var tensorizer = new Tensorizer(preprocessing);
        using var session = new InferenceSession(path);
        string input = session.InputMetadata.Keys.Single();
        foreach (string image in result.Splits.Validation.Samples.Take(6).Select(s => s.Source.Path!))
        {
            var pixels = new float[preprocessing.ValuesPerImage];
            tensorizer.Write(ImageDecoder.DecodeFile(image, preprocessing), pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, preprocessing.Height, preprocessing.Width]);
            using var outputs = session.Run(new RunOptions(), [input], [value], ["probabilities"]);
            float[] exported = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var expected = model.Predict(image).Probabilities;
            Assert.Equal(expected.Count, exported.Length);
            for (int k = 0; k < exported.Length; k++) Assert.Equal(expected[k], exported[k], 1e-4f);
        }
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_logistic_regression_head_with_hidden_dense_layers_is_refused_with_a_clear_message()
    {
        var learner = TransferLearner.For(TrainingData.MobileNetV2)
            .WithImages(TrainingData.KermanySubset(perClass: 4))
            .Split(validation: 0.25, test: 0, seed: 7)
            .ExtractFeatures(new FeatureExtractionOptions
            {
                HeadKind = FeatureHeadKind.LogisticRegression,
                Head = new HeadOptions { Layers = [HeadLayer.Dense(8)] },
                CacheDirectory = Path.Combine(_folder, "cache"),
            });
        var error = Assert.Throws<ArgumentException>(() => learner.Fit());
        Assert.Contains("FeatureHeadKind.Neural", error.Message);
    }

    private static ModelProto IdentityGraph(int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } };
        var graph = new GraphProto { Name = "identity" };
        graph.Input.Add(new ValueInfoProto { Name = "features", Type = type });
        var node = new NodeProto { OpType = "Identity", Name = "copy" };
        node.Input.Add("features");
        node.Output.Add("pooled");
        graph.Node.Add(node);
        graph.Output.Add(new ValueInfoProto { Name = "pooled", Type = type.Clone() });
        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
