using Google.Protobuf;
using TransferLearning.ML.Onnx;
using static TransferLearning.ML.Tests.Onnx.OnnxModelTestGraphs;

namespace TransferLearning.ML.Tests.Onnx;

public sealed class OnnxModelCostTests
{
    [Fact]
    public void Multiply_accumulates_count_convolution_and_gemm_work_per_image()
    {
        var model = OnnxModel.FromBytes(SmallClassifier().ToByteArray());

        long macs = OnnxModelCost.MultiplyAccumulatesPerImage(model);

        // conv: 2 filters x 6x6 outputs x (1 channel x 3x3); gemm: 3 outputs x 2 inputs
        Assert.Equal(2 * 36 * 9 + 3 * 2, macs);
    }

    [SharedTheory("models/architectures")]
    [InlineData("vgg16", 15.47e9)]     // published: 15.5 GMAC
    [InlineData("resnet50", 4.09e9)]   // published: 4.1 GMAC
    [InlineData("mobilenet_v2", 0.30e9)] // published: 300 M MAC
    public void Multiply_accumulates_of_known_architectures_match_published_counts(string architecture, double expected)
    {
        var model = OnnxModel.Load(RepositoryPaths.SharedArchitecture(architecture));

        long macs = OnnxModelCost.MultiplyAccumulatesPerImage(model);

        Assert.InRange(macs / expected, 0.98, 1.02);
    }
}
