using TransferLearning.ML.Onnx.Module;
using TransferLearning.ML.Training.Heads;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>A backbone cut at its feature tensor with a new classifier head on top: images in, logits out.</summary>
internal sealed class TransferNetwork : nn.Module<Tensor, Tensor>
{
    public TransferNetwork(OnnxModule backbone, ClassifierHead head) : base("network")
    {
        Backbone = backbone;
        Head = head;
        register_module("backbone", backbone);
        register_module("head", head);
    }

    public OnnxModule Backbone { get; }

    public ClassifierHead Head { get; }

    /// <summary>
    /// When set, the backbone's frozen first blocks run in ONNX Runtime and the module goes on from their output
    /// (split execution); the phase that set it owns and disposes it. Null: the whole backbone runs in TorchSharp.
    /// </summary>
    public FrozenPrefix? Prefix { get; set; }

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        if (Prefix is not { } prefix) return Head.forward(Backbone.forward(images)).MoveToOuterDisposeScope();
        Tensor boundary;
        using (no_grad()) boundary = prefix.Run(images);
        return ForwardFromBlock(prefix.StartBlock, boundary).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The input of block <paramref name="block"/> (all in TorchSharp): the images through the blocks before it, which
    /// are frozen; <see cref="ForwardFromBlock"/> goes on from it. Block 0's input is the images.
    /// </summary>
    public Tensor InputOfBlock(int block, Tensor images) => block == 0 ? images.alias() : Backbone.ForwardToBlock(block, images);

    /// <summary>The logits from the input of block <paramref name="block"/> (<see cref="InputOfBlock"/>).</summary>
    public Tensor ForwardFromBlock(int block, Tensor input)
    {
        if (block == 0) return forward(input);
        using var scope = NewDisposeScope();
        Tensor features = Backbone.ForwardFromBlock(block, input);
        return Head.forward(features).MoveToOuterDisposeScope();
    }

    /// <summary>The logits from the boundary tensor of the <see cref="Prefix"/> (computed before, e.g. cached).</summary>
    public Tensor ForwardFromBoundary(Tensor boundary) =>
        ForwardFromBlock((Prefix ?? throw new InvalidOperationException("The network has no frozen prefix: it has no boundary tensor.")).StartBlock, boundary);
}
