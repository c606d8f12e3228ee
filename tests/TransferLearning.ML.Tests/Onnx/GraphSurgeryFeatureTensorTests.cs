using Google.Protobuf;
using TransferLearning.ML.Onnx;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class GraphSurgeryFeatureTensorTests
{
    [SharedTheory("models/architectures")]
    [InlineData("vgg16", "/avgpool/AveragePool_output_0", new long[] { 512, 7, 7 }, FeatureKind.Spatial)]
    [InlineData("vgg19", "/avgpool/AveragePool_output_0", new long[] { 512, 7, 7 }, FeatureKind.Spatial)]
    [InlineData("resnet18", "/avgpool/GlobalAveragePool_output_0", new long[] { 512, 1, 1 }, FeatureKind.Pooled)]
    [InlineData("resnet50", "/avgpool/GlobalAveragePool_output_0", new long[] { 2048, 1, 1 }, FeatureKind.Pooled)]
    [InlineData("inception_v3", "/avgpool/GlobalAveragePool_output_0", new long[] { 2048, 1, 1 }, FeatureKind.Pooled)]
    [InlineData("densenet121", "/GlobalAveragePool_output_0", new long[] { 1024, 1, 1 }, FeatureKind.Pooled)]
    [InlineData("efficientnet_b0", "/avgpool/GlobalAveragePool_output_0", new long[] { 1280, 1, 1 }, FeatureKind.Pooled)]
    [InlineData("mobilenet_v2", "/GlobalAveragePool_output_0", new long[] { 1280, 1, 1 }, FeatureKind.Pooled)]
    public void Feature_tensor_of_each_architecture_is_the_classifier_input(string architecture, string name,
        long[] shape, FeatureKind kind)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture(architecture));

        var feature = GraphSurgery.FindFeatureTensor(model);

        Assert.Equal(name, feature.Name);
        Assert.Equal(shape, feature.Shape);
        Assert.Equal(kind, feature.Kind);
        Assert.Equal(kind == FeatureKind.Pooled ? name : null, feature.PooledName);
    }

    [SharedFact("models/mobilenetv2-imagenet.onnx")]
    public void Feature_tensor_of_pretrained_mobilenetv2_is_its_1280_wide_global_pool()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"));

        var feature = GraphSurgery.FindFeatureTensor(model);

        Assert.Equal("/GlobalAveragePool_output_0", feature.Name);
        Assert.Equal([1280L, 1, 1], feature.Shape);
        Assert.Equal(1280, feature.Length);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void Feature_tensor_of_the_int8_model_is_its_quantized_global_pool()
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));

        var feature = GraphSurgery.FindFeatureTensor(model);

        Assert.Equal("464_quantized", feature.Name);
        Assert.Equal([1280L, 1, 1], feature.Shape);
        Assert.Equal(FeatureKind.Pooled, feature.Kind);
    }

    [Fact]
    public void A_backbone_without_classifier_is_an_error_that_says_how_to_name_the_tensor()
    {
        var proto = SmallClassifier();
        proto.Graph.Node.RemoveAt(4); // the Gemm
        proto.Graph.Output[0] = ValueInfo("flat", ML.Onnx.Proto.TensorProto.Types.DataType.Float, null, 2);
        var model = OnnxModel.FromBytes(proto.ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => GraphSurgery.FindFeatureTensor(model));

        Assert.Contains("has no classifier", error.Message);
        Assert.Contains("GraphSurgery.CutAt(model, \"<tensor>\")", error.Message);
        Assert.Contains("flat", error.Message);
    }

    [Fact]
    public void Feature_tensor_of_a_small_classifier_is_found_through_flatten()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        var feature = GraphSurgery.FindFeatureTensor(model);

        Assert.Equal(new FeatureTensor("pooled", [2, 1, 1], FeatureKind.Pooled, "pooled").ToString(), feature.ToString());
    }

    [Fact]
    public void Feature_tensor_of_a_keras_style_head_is_the_reduced_mean_before_matmul_add_softmax()
    {
        var proto = SmallClassifier();
        var graph = proto.Graph;
        graph.Node.Clear();
        graph.Node.Add(Node("conv", "Conv", ["x", "conv.weight", "conv.bias"], ["conv_out"], Ints("kernel_shape", 3, 3)));
        graph.Node.Add(Node("gap", "ReduceMean", ["conv_out"], ["gap_out"], Ints("axes", 2, 3), Int("keepdims", 0)));
        graph.Node.Add(Node("dense", "MatMul", ["gap_out", "dense.kernel"], ["dense_out"]));
        graph.Node.Add(Node("bias", "Add", ["dense_out", "fc.bias"], ["dense_biased"]));
        graph.Node.Add(Node("softmax", "Softmax", ["dense_biased"], ["logits"]));
        graph.Initializer.Add(FloatTensor("dense.kernel", new float[6], 2, 3));
        var model = OnnxModel.FromBytes(proto.ToByteArray());

        var feature = GraphSurgery.FindFeatureTensor(model);

        Assert.Equal("gap_out", feature.Name);
        Assert.Equal([2L], feature.Shape);
        Assert.Equal(FeatureKind.Pooled, feature.Kind);
    }

    [Fact]
    public void An_unknown_tensor_name_lists_near_names()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        var error = Assert.Throws<OnnxModelException>(() => GraphSurgery.CutAt(model, "pooling"));

        Assert.Contains("no tensor named 'pooling'", error.Message);
        Assert.Contains("'pooled'", error.Message);
    }
}
