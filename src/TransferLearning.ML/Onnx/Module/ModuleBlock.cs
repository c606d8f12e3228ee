namespace TransferLearning.ML.Onnx.Module;

/// <summary>
/// A contiguous run of an <see cref="OnnxModule"/>'s nodes that ends where the whole network narrows to one tensor
/// at a structural boundary (a pooling stage, a residual or concatenating merge, a linear bottleneck): the unit
/// that is frozen or unfrozen when fine-tuning. See docs/onnx-module.md for the rule.
/// </summary>
public sealed class ModuleBlock
{
    internal ModuleBlock(int index, string name, IReadOnlyList<string> nodeNames, IReadOnlyList<string> parameterNames,
        string outputName, int endNode)
    {
        Index = index;
        Name = name;
        NodeNames = nodeNames;
        ParameterNames = parameterNames;
        OutputName = outputName;
        EndNode = endNode;
    }

    /// <summary>Position from the input, from 0.</summary>
    public int Index { get; }

    /// <summary>A readable name: the common prefix of its node names (e.g. <c>/features/features.3</c>), else <c>block{Index}</c>.</summary>
    public string Name { get; }

    /// <summary>The ONNX names of its nodes, in execution order.</summary>
    public IReadOnlyList<string> NodeNames { get; }

    /// <summary>The ONNX names of the parameters it owns (a parameter shared by several blocks belongs to the first).</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The single tensor that carries everything the rest of the network needs from this block.</summary>
    public string OutputName { get; }

    /// <summary>Index one past its last node in the compiled node array.</summary>
    internal int EndNode { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Index}: {Name} ({NodeNames.Count} nodes, {ParameterNames.Count} parameters) -> {OutputName}";
}
