using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training.Heads;

/// <summary>
/// The trainable classifier put on a backbone's feature tensor: pooling, hidden layers, output logits.
/// Input: features [N, C, H, W] or [N, C] (or [N, C, 1, 1]); output: logits [N, classes].
/// </summary>
internal sealed class ClassifierHead : nn.Module<Tensor, Tensor>
{
    private readonly HeadPooling _pooling;
    private readonly List<(HeadLayer Spec, nn.Module<Tensor, Tensor> Module)> _layers = [];
    private readonly Linear _output;

    /// <summary>Builds a head.</summary>
    /// <param name="featureShape">The backbone's feature shape without the batch dimension, e.g. [512, 7, 7] or [1280].</param>
    /// <param name="classes">Number of classes (≥ 2).</param>
    /// <param name="options">Pooling and hidden layers.</param>
    /// <param name="seed">Seed of the layers' initial weights.</param>
    /// <exception cref="ArgumentException">Fewer than two classes, or an empty feature shape.</exception>
    public ClassifierHead(IReadOnlyList<long> featureShape, int classes, HeadOptions options, long seed) : base("head")
    {
        ArgumentNullException.ThrowIfNull(featureShape);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (classes < 2) throw new ArgumentException($"A classifier needs at least two classes (got {classes}).", nameof(classes));
        if (featureShape.Count == 0 || featureShape.Any(d => d <= 0))
            throw new ArgumentException($"Feature shape [{string.Join(", ", featureShape)}] is not a valid shape.", nameof(featureShape));

        _pooling = options.Pooling;
        Options = options;
        FeatureShape = featureShape.ToArray();
        Classes = classes;
        InputWidth = options.Pooling == HeadPooling.GlobalAverage || featureShape.Count == 1
            ? featureShape[0]
            : featureShape.Aggregate(1L, (a, b) => a * b);

        using var generatorScope = new SeededInitialization(seed);
        long width = InputWidth;
        int index = 0;
        foreach (var layer in options.Layers)
        {
            nn.Module<Tensor, Tensor> module = layer switch
            {
                HeadLayer.DropoutLayer d => nn.Dropout(d.Rate),
                HeadLayer.DenseLayer d => nn.Linear(width, d.Units),
                _ => throw new ArgumentException($"Unknown head layer {layer}."),
            };
            if (layer is HeadLayer.DenseLayer dense) width = dense.Units;
            register_module($"layer{index++}", module);
            _layers.Add((layer, module));
        }
        _output = nn.Linear(width, classes);
        register_module("output", _output);
    }

    /// <summary>The options the head was built from.</summary>
    public HeadOptions Options { get; }

    /// <summary>The backbone feature shape the head expects (without batch).</summary>
    public IReadOnlyList<long> FeatureShape { get; }

    /// <summary>Number of output classes.</summary>
    public int Classes { get; }

    /// <summary>Width of the vector after pooling.</summary>
    public long InputWidth { get; }

    /// <summary>The dense layers in order with their L2 penalties, the output layer last (for the loss and for ONNX export).</summary>
    public IReadOnlyList<(Linear Layer, double L2, bool Relu)> DenseLayers =>
        _layers.Where(l => l.Spec is HeadLayer.DenseLayer)
            .Select(l => ((Linear)l.Module, ((HeadLayer.DenseLayer)l.Spec).L2, true))
            .Append((_output, Options.OutputL2, false))
            .ToList();

    /// <inheritdoc />
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        Tensor x = Pool(features);
        foreach (var (spec, module) in _layers)
        {
            x = module.forward(x);
            if (spec is HeadLayer.DenseLayer) x = nn.functional.relu(x);
        }
        return _output.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>The pooled input vector of the head, [N, InputWidth].</summary>
    public Tensor Pool(Tensor features)
    {
        if (features.dim() == 2) return features.alias();
        return _pooling == HeadPooling.GlobalAverage
            ? features.mean([2L, 3L])
            : features.flatten(1);
    }

    /// <summary>
    /// Sets the output layer to a linear model fitted elsewhere (the ML.NET logistic-regression head): row-major
    /// weights [classes × InputWidth] and one bias per class. Only for heads without hidden dense layers.
    /// </summary>
    internal void LoadOutputLayer(float[] weights, float[] biases)
    {
        if (_layers.Any(l => l.Spec is HeadLayer.DenseLayer))
            throw new InvalidOperationException("Only a head without hidden dense layers takes a fitted linear model.");
        if (weights.Length != Classes * InputWidth || biases.Length != Classes)
            throw new ArgumentException($"Expected {Classes}×{InputWidth} weights and {Classes} biases (got {weights.Length} and {biases.Length}).");
        using var _ = no_grad();
        using var w = tensor(weights, [Classes, InputWidth]);
        using var b = tensor(biases);
        _output.weight!.copy_(w);
        _output.bias!.copy_(b);
    }

    /// <summary>Σ L2·‖W‖² over the dense layers: the penalty Keras adds for kernel regularizers.</summary>
    public Tensor L2Penalty()
    {
        Tensor? total = null;
        foreach (var (layer, l2, _) in DenseLayers)
        {
            if (l2 == 0) continue;
            Tensor term = layer.weight!.square().sum() * l2;
            total = total is null ? term : total + term;
        }
        return total ?? zeros(1).squeeze();
    }
}
