using TorchSharp;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>Pretrained weights give the right ImageNet classes, and the int8 model imports as a float module.</summary>
public sealed class QuantizedImportTests
{
    private static readonly string[] Photos = ["cat", "bird", "sunflower"];

    [SharedFact("models/mobilenetv2-imagenet.onnx", "models/imagenet-samples")]
    public void Pretrained_mobilenet_recognises_the_three_photos()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.MobileNetV2());
        module.eval();
        Assert.Equal([285, 19, 985], TopOne(module));
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void Int8_model_imports_with_dequantised_float_parameters()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.Read(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")));
        var parameters = module.parameters().ToList();
        Assert.NotEmpty(parameters);
        Assert.All(parameters, p => Assert.Equal(ScalarType.Float32, p.dtype));
        // 52 convolution weights and biases, the classifier's weight and bias
        Assert.Equal(52 * 2 + 2, parameters.Count);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx", "models/imagenet-samples")]
    public void Int8_model_agrees_with_onnx_runtime_on_top1()
    {
        ModelProto model = ModuleFixtures.Read(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx"));
        using var module = OnnxModule.FromModel(model);
        module.eval();
        int[] moduleClasses = TopOne(module);
        int[] runtimeClasses = Photos.Select(photo =>
            OnnxRuntimeReference.ArgMax(OnnxRuntimeReference.Run(model, module.InputName, ImageNetSamples.Load(photo), [1, 3, 224, 224]))).ToArray();
        Assert.Equal(runtimeClasses, moduleClasses);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void Int8_model_is_differentiable()
    {
        using var module = OnnxModule.FromModel(ModuleFixtures.Read(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")));
        module.train();
        using var scope = NewDisposeScope();
        Tensor output = module.forward(torch.randn(2, 3, 96, 96, generator: new Generator(1)));
        output.sum().backward();
        Assert.Contains(module.parameters(), p => p.grad is { } g && g.abs().sum().item<float>() > 0);
    }

    private static int[] TopOne(OnnxModule module)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Photos.Select(photo =>
        {
            Tensor logits = module.forward(torch.tensor(ImageNetSamples.Load(photo), [1, 3, 224, 224]));
            return (int)logits.argmax(1).item<long>();
        }).ToArray();
    }
}
