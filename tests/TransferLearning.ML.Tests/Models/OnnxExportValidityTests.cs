using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Onnx.Proto;
using TransferLearning.ML.Tests.Training;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;
using Xunit.Abstractions;

namespace TransferLearning.ML.Tests.Models;

/// <summary>
/// Every kind of backbone the suite has gives an export that the reference checker accepts
/// (<c>onnx.checker.check_model(full_check=True)</c>) at ai.onnx opset ≥ 13 and a matching IR version, and that
/// ONNX Runtime runs to the model's own probabilities. Each case trains briefly on eight 28×28 PneumoniaMNIST images
/// at a small input size; the comment on each case says which export path it exercises.
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class OnnxExportValidityTests(ITestOutputHelper output) : IDisposable
{
    private const string PneumoniaMnist = TrainingData.PneumoniaMnistFolder;
    private const string Int8 = "models/mobilenetv2-12-int8.onnx";
    private const string CntkOutput = "Pooling395_Output_0";

    private readonly string _folder = TrainingData.TemporaryDirectory("export-validity");

    /// <summary>The CNTK 2.6 ResNet18 (IR 3, opset 8, BatchNormalization with <c>spatial</c>), copied to the test
    /// output by the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.</summary>
    private static string CntkResNet18 => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    [OnnxCheckerTheory(PneumoniaMnist, TrainingData.MobileNet, Int8, "models/architectures")]
    // BN-folded float backbone, opset 13: fine-tune of the last block → OnnxModule.ToOnnx + ClassifierGraphBuilder.Append
    [InlineData("mobilenetv2-finetune")]
    // int8 QOperator graph, opset 12 with com.microsoft nodes: head-only fine-tune → the frozen graph + Append (12 → 13)
    [InlineData("mobilenetv2-int8-head")]
    // CNTK ResNet18, opset 8, IR 3, headless: fine-tune of the last block → ToOnnx + Append (8 → 13, spatial dropped)
    [InlineData("cntk-resnet18-finetune")]
    // the same backbone through feature extraction (ONNX Runtime features, trained head) → Append only
    [InlineData("cntk-resnet18-features")]
    // graph-only architecture exports given seeded weights: fine-tune of the last block → ToOnnx + Append
    [InlineData("vgg16")]
    [InlineData("resnet50")]
    [InlineData("densenet121")]
    [InlineData("efficientnet_b0")]
    [InlineData("inception_v3")]
    public void The_export_passes_the_onnx_checker_and_onnx_runtime_gives_the_models_probabilities(string kind)
    {
        var clock = Stopwatch.StartNew();
        using var model = Train(kind);
        var trained = clock.Elapsed;

        string exported = Path.Combine(_folder, kind + ".onnx");
        model.ExportOnnx(exported);
        string saved = Path.Combine(_folder, kind + ".graph.onnx");
        File.WriteAllBytes(saved, model.ToOnnxBytes());

        foreach (string path in new[] { exported, saved })
        {
            var loaded = OnnxModel.Load(path);
            Assert.True(loaded.Opset >= 13, $"{Path.GetFileName(path)}: opset {loaded.Opset}");
            long ir = loaded.Proto.IrVersion;
            Assert.True(ir >= OpsetUpgrade.MinimumIrVersion(loaded.Opset), $"{Path.GetFileName(path)}: IR {ir} for opset {loaded.Opset}");
            Assert.Equal([loaded.Graph.Input.Single().Name], loaded.Inputs.Select(i => i.Name));
            var check = OnnxChecker.Check(path);
            Assert.True(check.ExitCode == 0, $"onnx.checker rejects {Path.GetFileName(path)}:\n{check.Output}");
        }

        var preprocessing = model.Preprocessing;
        var tensorizer = new Tensorizer(preprocessing);
        using var session = new InferenceSession(exported);
        string input = session.InputMetadata.Keys.Single();
        foreach (string image in Images().Take(3))
        {
            var pixels = new float[preprocessing.ValuesPerImage];
            tensorizer.Write(ImageDecoder.DecodeFile(image, preprocessing), pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, preprocessing.Channels, preprocessing.Height, preprocessing.Width]);
            using var outputs = session.Run(new RunOptions(), [input], [value], ["probabilities"]);
            float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            var expected = model.Predict(image).Probabilities;
            Assert.Equal(expected.Count, actual.Length);
            for (int k = 0; k < actual.Length; k++) Assert.Equal(expected[k], actual[k], 1e-4f);
        }
        output.WriteLine($"{kind}: trained in {trained.TotalSeconds:F1} s, exported and checked in {(clock.Elapsed - trained).TotalSeconds:F1} s");
    }

    [OnnxCheckerTheory]
    // OnnxModule's own write-back (ToOnnxBytes) of the CNTK graph cut at its pooled output, untrained
    [InlineData(false)]
    // ... and of the same graph with every initializer also listed as a graph input, as IR 3 requires
    [InlineData(true)]
    public void OnnxModule_SaveOnnx_of_the_CNTK_ResNet18_passes_the_checker_at_opset_13(bool initializersAsInputs)
    {
        var backbone = CntkBackbone();
        var graph = backbone.FeatureGraph;
        if (initializersAsInputs)
        {
            var proto = graph.Proto.Clone();
            foreach (var tensor in proto.Graph.Initializer)
            {
                var info = new ValueInfoProto
                {
                    Name = tensor.Name,
                    Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = tensor.DataType, Shape = new() } },
                };
                foreach (long d in tensor.Dims) info.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
                proto.Graph.Input.Add(info);
            }
            proto.IrVersion = 3;
            graph = OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(proto));
        }
        Assert.True(graph.Proto.IrVersion >= (initializersAsInputs ? 3 : 4), "the cut lists no initializer as input, so it needs IR 4");
        using var module = OnnxModule.FromModel(graph.Proto);
        string path = Path.Combine(_folder, "cntk-module.onnx");
        module.SaveOnnx(path);

        var written = OnnxModel.Load(path);
        Assert.Equal(13, written.Opset);
        Assert.Equal(7, written.Proto.IrVersion);
        Assert.Equal([module.InputName], written.Graph.Input.Select(i => i.Name));
        Assert.DoesNotContain(written.Graph.Node.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Attribute), a => a.Name == "spatial");
        var check = OnnxChecker.Check(path);
        Assert.True(check.ExitCode == 0, $"onnx.checker rejects the module's graph:\n{check.Output}");
    }

    [OnnxCheckerFact]
    public void The_checker_rejects_the_original_CNTK_file_so_a_pass_means_the_export_fixed_it()
    {
        // IR 3 requires every initializer to be a graph input; CNTK 2.6 lists none (ONNX Runtime loads it anyway)
        var check = OnnxChecker.Check(CntkResNet18);
        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("in initializer but not in graph input", check.Output);
    }

    private TransferModel Train(string kind)
    {
        // 8 images; 6 train, 2 validate; one short epoch per phase
        var images = TrainingData.PneumoniaMnist("train", perClass: 4);
        var headOnly = new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 0, BatchSize = 8 };
        var lastBlock = headOnly with { HeadEpochs = 0, UnfreezeLastBlocks = 1 };
        TransferLearner learner = kind switch
        {
            "mobilenetv2-finetune" => Learner(TrainingData.MobileNetV2, 64, images).FineTune(lastBlock),
            "mobilenetv2-int8-head" => Learner(Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx")), 224, images).FineTune(headOnly),
            "cntk-resnet18-finetune" => Learner(CntkBackbone(), 224, images).FineTune(lastBlock),
            "cntk-resnet18-features" => Learner(CntkBackbone(), 224, images)
                .ExtractFeatures(new FeatureExtractionOptions { Epochs = 1, CacheDirectory = Path.Combine(_folder, "features") }),
            "vgg16" => Learner(Architecture(kind), 32, images).FineTune(lastBlock),
            "inception_v3" => Learner(Architecture(kind), 80, images).FineTune(lastBlock),
            _ => Learner(Architecture(kind), 64, images).FineTune(lastBlock),
        };
        return learner.Fit().Model;
    }

    private static TransferLearner Learner(Backbone backbone, int size, ImageDataset images) => TransferLearner.For(backbone)
        .WithImages(images)
        .Split(validation: 0.25, test: 0, seed: 3)
        .WithPreprocessing(backbone.Preprocessing with { Width = size, Height = size })
        .WithSeed(5)
        .WithBootstrap(0);

    private static Backbone Architecture(string name) => Backbone.FromArchitecture(RepositoryPaths.SharedArchitecture(name), seed: 1);

    private static Backbone CntkBackbone() => Backbone.FromOnnx(CntkResNet18, new BackboneOptions { Name = "cntk-resnet18", FeatureTensor = CntkOutput });

    private static IEnumerable<string> Images()
    {
        // validation-set images of PneumoniaMNIST: never trained on
        string root = RepositoryPaths.SharedDataset("pneumoniamnist", "val");
        var normal = Directory.GetFiles(Path.Combine(root, "normal")).Order(StringComparer.Ordinal).Take(2);
        var pneumonia = Directory.GetFiles(Path.Combine(root, "pneumonia")).Order(StringComparer.Ordinal).Take(2);
        return normal.Zip(pneumonia, (n, p) => new[] { n, p }).SelectMany(pair => pair);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
