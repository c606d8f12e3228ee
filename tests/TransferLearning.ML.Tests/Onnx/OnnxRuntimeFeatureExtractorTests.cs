using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Onnx;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxRuntimeFeatureExtractorTests
{
    private const string FeatureName = "/GlobalAveragePool_output_0";
    private static readonly OnnxRuntimeOptions TwoThreads = new() { IntraOpThreads = 2 };

    private static OnnxModel CutMobileNet() =>
        GraphSurgery.CutAt(OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")), FeatureName);

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Mobilenetv2_features_are_1280_long_from_3x224x224_images()
    {
        using var extractor = new OnnxRuntimeFeatureExtractor(CutMobileNet(), TwoThreads);

        Assert.Equal(1280, extractor.FeatureLength);
        Assert.Equal([3, 224, 224], extractor.InputShape);
    }

    [SharedTheory("models/mobilenetv2-imagenet.onnx")]
    [InlineData(1, 1)]
    [InlineData(5, 5)]
    [InlineData(5, 2)]
    public void Features_equal_a_bare_inference_session_on_the_cut_graph(int images, int batchSize)
    {
        var cut = CutMobileNet();
        float[] pixels = Images(seed: 21, count: images, channels: 3, height: 224, width: 224);
        using var session = new InferenceSession(cut.ToBytes(), new SessionOptions { IntraOpNumThreads = 2 });
        float[] expected = Run(session, "input", pixels, [images, 3, 224, 224], FeatureName)[0];
        using var extractor = new OnnxRuntimeFeatureExtractor(cut, TwoThreads);

        float[] features = extractor.Extract(pixels, batchSize);

        Assert.Equal(images * 1280, features.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], features[i], 1e-5f);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void Int8_backbone_gives_dequantized_float_features()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));
        var cut = GraphSurgery.CutAt(model, GraphSurgery.FindFeatureTensor(model).Name);
        float[] pixels = Images(seed: 6, count: 2, channels: 3, height: 224, width: 224);
        float[] expected = Run(cut.ToBytes(), "input", pixels, [2, 3, 224, 224], cut.Outputs[0].Name)[0];
        using var extractor = new OnnxRuntimeFeatureExtractor(cut, TwoThreads);

        float[] features = extractor.Extract(pixels, batchSize: 2);

        Assert.Equal(1280, extractor.FeatureLength);
        Assert.Equal(expected, features);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Concurrent_extractions_give_the_sequential_results()
    {
        using var extractor = new OnnxRuntimeFeatureExtractor(CutMobileNet(), new OnnxRuntimeOptions { IntraOpThreads = 1 });
        float[][] batches = Enumerable.Range(0, 4).Select(seed => Images(seed, 2, 3, 224, 224)).ToArray();
        float[][] sequential = batches.Select(b => extractor.Extract(b, 2)).ToArray();

        float[][] concurrent = new float[batches.Length][];
        Parallel.For(0, batches.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => concurrent[i] = extractor.Extract(batches[i], 2));

        for (int i = 0; i < batches.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void Pooled_spatial_output_is_flattened_per_image()
    {
        var model = GraphSurgery.CutAt(OnnxModel.FromBytes(SmallClassifier().ToByteArray()), "pooled");
        using var extractor = new OnnxRuntimeFeatureExtractor(model, TwoThreads);
        float[] images = Images(seed: 3, count: 3, channels: 1, height: 6, width: 6);

        var features = new float[3 * 2];
        extractor.Extract(images, batchSize: 2, features);

        Assert.Equal(2, extractor.FeatureLength);
        Assert.Equal([2L, 1, 1], extractor.FeatureShape);
        Assert.Equal(Run(model.ToBytes(), "x", images, [3, 1, 6, 6], "pooled")[0], features);
    }

    [Fact]
    public void A_model_with_several_outputs_must_be_cut_first()
    {
        var model = GraphSurgery.ExposeOutputs(OnnxModel.FromBytes(SmallClassifier().ToByteArray()), "pooled");

        var error = Assert.Throws<OnnxModelException>(() => new OnnxRuntimeFeatureExtractor(model, TwoThreads));

        Assert.Contains("GraphSurgery.CutAt", error.Message);
    }

    [Fact]
    public void Buffers_that_do_not_match_whole_images_are_rejected()
    {
        var model = GraphSurgery.CutAt(OnnxModel.FromBytes(SmallClassifier().ToByteArray()), "pooled");
        using var extractor = new OnnxRuntimeFeatureExtractor(model, TwoThreads);

        var partialImage = Assert.Throws<ArgumentException>(() => extractor.Extract(new float[40], 1, new float[2]));
        var wrongFeatures = Assert.Throws<ArgumentException>(() => extractor.Extract(new float[72], 1, new float[3]));

        Assert.Equal("images", partialImage.ParamName);
        Assert.Equal("features", wrongFeatures.ParamName);
    }

    [Fact]
    public void A_disposed_extractor_refuses_to_run()
    {
        var model = GraphSurgery.CutAt(OnnxModel.FromBytes(SmallClassifier().ToByteArray()), "pooled");
        var extractor = new OnnxRuntimeFeatureExtractor(model, TwoThreads);
        extractor.Dispose();

        Assert.Throws<ObjectDisposedException>(() => extractor.Extract(new float[36], 1));
    }

    [Fact]
    public void Cancellation_stops_between_batches()
    {
        var model = GraphSurgery.CutAt(OnnxModel.FromBytes(SmallClassifier().ToByteArray()), "pooled");
        using var extractor = new OnnxRuntimeFeatureExtractor(model, TwoThreads);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => extractor.Extract(new float[72], 1, new float[4], cancelled.Token));
    }
}
