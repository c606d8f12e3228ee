using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Backbones;

/// <summary>
/// A CNN backbone: an ONNX graph, the tensor its classifier reads (the feature tensor) and the preprocessing its
/// input expects. Any ONNX CNN can be a backbone — exported from PyTorch (torch.onnx.export), Keras (tf2onnx) or
/// taken from the ONNX Model Zoo; the catalog names the usual ones.
/// </summary>
public sealed class Backbone
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Height, int Width), OnnxModel> _featureGraphs;

    private Backbone(string name, OnnxModel model, FeatureTensor features, FeatureTensorSource source,
        ImagePreprocessing preprocessing, bool pretrained,
        System.Collections.Concurrent.ConcurrentDictionary<(int Height, int Width), OnnxModel>? featureGraphs = null)
    {
        _featureGraphs = featureGraphs ?? new();
        Name = name;
        Model = model;
        Features = features;
        FeatureTensorSource = source;
        Preprocessing = preprocessing;
        IsPretrained = pretrained;
    }

    /// <summary>A display name (e.g. <c>mobilenetv2-imagenet</c>).</summary>
    public string Name { get; }

    /// <summary>The whole ONNX graph, classifier included.</summary>
    public OnnxModel Model { get; }

    /// <summary>SHA-256 of the model, its identity in caches and saved models.</summary>
    public string Sha256 => Model.Sha256;

    /// <summary>
    /// Whether the graph is quantised (int8 QOperator nodes such as QLinearConv): it extracts features and can carry
    /// a fine-tuned head, but its own blocks cannot be trained and saved (fine-tune the float model for that).
    /// </summary>
    public bool IsQuantized => Model.Proto.Graph.Node.Any(n => n.OpType is "QLinearConv" or "QLinearMatMul" or "ConvInteger" or "MatMulInteger");

    /// <summary>The tensor a new head reads.</summary>
    public FeatureTensor Features { get; }

    /// <summary>
    /// How <see cref="Features"/> was chosen: named by the caller, found in front of the graph's classifier, or the
    /// output of a headless graph (one without a classifier).
    /// </summary>
    public FeatureTensorSource FeatureTensorSource { get; }

    /// <summary>A sentence saying which feature tensor was chosen and why, for logs and the command line.</summary>
    public string FeatureTensorDescription => FeatureTensorSource switch
    {
        FeatureTensorSource.Named => $"feature tensor {Features} (as named)",
        FeatureTensorSource.GraphOutput => $"feature tensor {Features}: the graph output (the graph has no classifier, so its output is taken as the features)",
        _ => $"feature tensor {Features}: the input of the graph's classifier, which is replaced by the new head",
    };

    /// <summary>How images become this backbone's input.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>False for an architecture graph given random weights (<see cref="FromArchitecture"/>).</summary>
    public bool IsPretrained { get; }

    /// <summary>The graph cut at <see cref="Features"/>: images in, features out, any batch size.</summary>
    public OnnxModel FeatureGraph => FeatureGraphFor(Preprocessing.Height, Preprocessing.Width);

    /// <summary>
    /// <see cref="FeatureGraph"/> for another input size: fully convolutional backbones with global pooling accept
    /// any size (e.g. 96×96 for 28×28 MedMNIST images at a fifth of the 224×224 cost).
    /// </summary>
    public OnnxModel FeatureGraphFor(int height, int width) => _featureGraphs.GetOrAdd((height, width),
        size => ForInputSize(GraphSurgery.WithDynamicBatch(GraphSurgery.CutAt(Model, Features.Name)), size.Height, size.Width));

    /// <summary>Whether <paramref name="preprocessing"/>'s size is the one the graph was exported with.</summary>
    internal bool IsNativeSize(ImagePreprocessing preprocessing) =>
        preprocessing.Height == Preprocessing.Height && preprocessing.Width == Preprocessing.Width;

    /// <summary>
    /// The same backbone (graph, feature tensor, name) fed with other preprocessing: for a graph whose expected
    /// input the library cannot read from the file, e.g. a Caffe or CNTK export that takes BGR pixels 0–255 minus a
    /// mean. The feature graphs cached for input sizes are shared.
    /// </summary>
    /// <exception cref="ArgumentException">The preprocessing is malformed (see <see cref="ImagePreprocessing.Validate"/>).</exception>
    public Backbone WithPreprocessing(ImagePreprocessing preprocessing)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        preprocessing.Validate();
        return new Backbone(Name, Model, Features, FeatureTensorSource, preprocessing, IsPretrained, _featureGraphs);
    }

    /// <summary>Loads a pretrained ONNX CNN from a file.</summary>
    /// <param name="path">The .onnx file (external data files beside it are read too).</param>
    /// <param name="options">Overrides for the feature tensor, preprocessing and name.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="OnnxModelException">The file is not a valid ONNX model, or no feature tensor could be found
    /// and none was given; the message says what to do.</exception>
    public static Backbone FromOnnx(string path, BackboneOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The backbone file {path} does not exist. Pass the path of an ONNX model (e.g. --weights mobilenetv2-imagenet.onnx).", path);
        return FromModel(OnnxModel.Load(path), options, Path.GetFileNameWithoutExtension(path), pretrained: true);
    }

    /// <summary>
    /// A graph-only export (parameters as graph inputs, no weights, like <c>torch.onnx.export(...,
    /// export_params=False)</c>) given seeded random weights: the architecture, trained from scratch.
    /// </summary>
    /// <param name="path">The graph-only .onnx file.</param>
    /// <param name="seed">Seed of the initial weights.</param>
    /// <param name="options">Overrides.</param>
    public static Backbone FromArchitecture(string path, int seed = 0, BackboneOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The architecture file {path} does not exist.", path);
        var model = OnnxModel.Load(path).MaterializeParameterInputs(seed);
        return FromModel(model, options, Path.GetFileNameWithoutExtension(path), pretrained: false);
    }

    /// <summary>Wraps an ONNX model already in memory.</summary>
    public static Backbone FromModel(OnnxModel model, BackboneOptions? options = null) =>
        FromModel(model, options, "backbone", pretrained: true);

    /// <summary>
    /// A catalog backbone (<see cref="BackboneCatalog"/>): its file from the local weight cache (or, for a file that a
    /// NuGet package ships, from the application's output folder), downloaded into the cache on first use, and
    /// verified against the catalog's SHA-256 and byte size; with the entry's preprocessing
    /// (<see cref="BackboneDescriptor.Preprocessing"/>) and feature tensor.
    /// </summary>
    /// <param name="name">A catalog name (see <see cref="BackboneCatalog.All"/>; case-insensitive, '-' and '_' alike).</param>
    /// <param name="store">Where weights are cached and how they are fetched; default a <see cref="WeightStore"/> with default options.</param>
    /// <param name="progress">Receives download progress; optional.</param>
    /// <param name="cancellationToken">Cancels a download (it resumes on the next call).</param>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="BackboneUnavailableException">Not present and cannot be obtained, does not match the catalog's
    /// checksum, or the library cannot use it (<see cref="BackboneDescriptor.Unsupported"/>); the message says what to
    /// download and where to put it, or what to do instead.</exception>
    public static Backbone FromCatalog(string name, WeightStore? store = null, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var descriptor = BackboneCatalog.Get(name);
        if (descriptor.Unsupported is { } reason)
            throw new BackboneUnavailableException($"{descriptor.DisplayName} cannot be used as a backbone by this library: {reason}.");
        string path = (store ?? new WeightStore()).Resolve(descriptor, progress, cancellationToken);
        return FromOnnx(path, new BackboneOptions
        {
            Name = descriptor.Name, Preprocessing = descriptor.Preprocessing, FeatureTensor = descriptor.FeatureTensor,
        });
    }

    /// <summary>VGG16 (ONNX Model Zoo <c>vgg16-12</c>) from the catalog (see <see cref="FromCatalog"/>).</summary>
    public static Backbone Vgg16(WeightStore? store = null) => FromCatalog("vgg16", store);

    /// <summary>VGG19 (ONNX Model Zoo <c>vgg19-7</c>) from the catalog.</summary>
    public static Backbone Vgg19(WeightStore? store = null) => FromCatalog("vgg19", store);

    /// <summary>ResNet50 v1 (ONNX Model Zoo <c>resnet50-v1-12</c>) from the catalog.</summary>
    public static Backbone ResNet50(WeightStore? store = null) => FromCatalog("resnet50", store);

    /// <summary>DenseNet121 (ONNX Model Zoo <c>densenet-12</c>) from the catalog.</summary>
    public static Backbone DenseNet121(WeightStore? store = null) => FromCatalog("densenet121", store);

    /// <summary>GoogLeNet (ONNX Model Zoo <c>googlenet-12</c>; BGR, mean-subtracted 0–255 input) from the catalog.</summary>
    public static Backbone GoogLeNet(WeightStore? store = null) => FromCatalog("googlenet", store);

    /// <summary>Inception V3 from the catalog (299×299 input; no public download: place your own export in the cache).</summary>
    public static Backbone InceptionV3(WeightStore? store = null) => FromCatalog("inception_v3", store);

    /// <summary>MobileNetV2 (ONNX Model Zoo <c>mobilenetv2-12</c>, float32) from the catalog.</summary>
    public static Backbone MobileNetV2(WeightStore? store = null) => FromCatalog("mobilenet_v2", store);

    /// <summary>
    /// The int8 (QOperator) MobileNetV2 (ONNX Model Zoo <c>mobilenetv2-12-int8</c>) from the catalog: it extracts
    /// features and carries a fine-tuned head, but its blocks cannot be trained (<see cref="IsQuantized"/>).
    /// </summary>
    public static Backbone MobileNetV2Int8(WeightStore? store = null) => FromCatalog("mobilenet_v2_int8", store);

    /// <summary>
    /// ImageNet-pretrained ResNet18 as ML.NET ships it (NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>: a
    /// CNTK export without classifier, BatchNormalization layers not folded, BGR pixels 0–255 minus the ImageNet
    /// mean). Reference that package from the application; its build props copy
    /// <c>DnnImageModels/ResNet18Onnx/ResNet18.onnx</c> into the output folder, where this method finds it.
    /// </summary>
    /// <exception cref="BackboneUnavailableException">The file is not in the application's folder; the message says
    /// which package to reference.</exception>
    public static Backbone ResNet18(WeightStore? store = null) => FromCatalog("resnet18", store);

    private static Backbone FromModel(OnnxModel model, BackboneOptions? options, string defaultName, bool pretrained)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new BackboneOptions();
        FeatureTensor features;
        FeatureTensorSource source;
        if (options.FeatureTensor is { Length: > 0 } explicitName)
            (features, source) = (GraphSurgery.DescribeTensor(model, explicitName), FeatureTensorSource.Named);
        else if (GraphSurgery.HasClassifier(model))
            (features, source) = (GraphSurgery.FindFeatureTensor(model), FeatureTensorSource.ClassifierInput);
        else
            (features, source) = (HeadlessOutput(model), FeatureTensorSource.GraphOutput);
        var preprocessing = options.Preprocessing ?? InferPreprocessing(model);
        preprocessing.Validate();
        return new Backbone(options.Name ?? defaultName, model, features, source, preprocessing, pretrained);
    }

    /// <summary>The feature tensor of a graph without a classifier: its single float output of rank 2 or 4.</summary>
    private static FeatureTensor HeadlessOutput(OnnxModel model)
    {
        string where = model.FilePath is null ? "The model" : $"'{model.FilePath}'";
        string outputs = string.Join(", ", model.Graph.Output.Select(o => $"'{o.Name}'"));
        if (model.Graph.Output.Count != 1)
            throw new OnnxModelException(
                $"{where} has no classifier and {model.Graph.Output.Count} outputs ({outputs}), so the feature tensor cannot " +
                "be chosen: name it with BackboneOptions.FeatureTensor.", model.FilePath);
        var output = model.Graph.Output[0];
        var feature = GraphSurgery.DescribeTensor(model, output.Name);
        if (feature.Shape.Length is not (1 or 3) || output.Type?.TensorType?.ElemType is not (int)Onnx.Proto.TensorProto.Types.DataType.Float)
            throw new OnnxModelException(
                $"{where} has no classifier, and its output '{output.Name}' ({feature}) is not a float feature vector " +
                "[N, C] or map [N, C, H, W]: name the feature tensor with BackboneOptions.FeatureTensor.", model.FilePath);
        return feature;
    }

    /// <summary>
    /// Lets a fully convolutional feature graph take another input size than it was exported with: the input
    /// declares the new height and width, spatial output sizes become symbolic (global pooling keeps 1×1), and the
    /// stale intermediate shapes are dropped for ONNX Runtime to infer anew.
    /// </summary>
    private static OnnxModel ForInputSize(OnnxModel graph, int height, int width)
    {
        var input = graph.Inputs.FirstOrDefault(i => i.Rank == 4);
        if (input is null || (input.Dimensions[2] == height && input.Dimensions[3] == width)) return graph;
        var proto = graph.Proto.Clone();
        foreach (var info in proto.Graph.Input.Where(i => i.Name == input.Name))
        {
            var dims = info.Type.TensorType.Shape.Dim;
            dims[2] = new Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = height };
            dims[3] = new Onnx.Proto.TensorShapeProto.Types.Dimension { DimValue = width };
        }
        foreach (var info in proto.Graph.Output)
        {
            var dims = info.Type?.TensorType?.Shape?.Dim;
            if (dims is not { Count: 4 }) continue;
            for (int axis = 2; axis < 4; axis++)
                if (!(dims[axis].ValueCase == Onnx.Proto.TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[axis].DimValue == 1))
                    dims[axis] = new Onnx.Proto.TensorShapeProto.Types.Dimension { DimParam = axis == 2 ? "H_out" : "W_out" };
        }
        proto.Graph.ValueInfo.Clear();
        return OnnxModel.FromBytes(Google.Protobuf.MessageExtensions.ToByteArray(proto));
    }

    private static ImagePreprocessing InferPreprocessing(OnnxModel model)
    {
        var input = model.Inputs.FirstOrDefault(i => i.Rank == 4);
        int height = (int)(input?.Dimensions[2] ?? 224), width = (int)(input?.Dimensions[3] ?? 224);
        return new ImagePreprocessing { Width = width, Height = height, Normalization = Normalization.ImageNet };
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Features}, input {Preprocessing.Width}×{Preprocessing.Height})";
}
