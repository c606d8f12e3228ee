namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>Builds the compiled operator for a node; reads attributes and constant inputs once.</summary>
internal delegate IOnnxOperator OperatorFactory(OperatorBuildContext context);

/// <summary>
/// Maps an ONNX (domain, op_type) to its implementation. Factories receive the opset the model imports for the
/// node's domain and parse attributes or inputs accordingly (e.g. Clip's bounds moved from attributes to inputs in
/// opset 11). Built once; never changed afterwards.
/// </summary>
internal sealed class OperatorRegistry
{
    /// <summary>The ONNX default domain's name as models spell it either way.</summary>
    public const string DefaultDomain = "";

    /// <summary>Microsoft's contrib domain (QLinearAdd, QLinearGlobalAveragePool, ...).</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>The default domain's opsets OnnxModule reads (each operator may start later: see <see cref="OperatorSpec.MinOpset"/>).
    /// The upper bound is the newest opset ONNX Runtime 1.31 runs; newer opsets may change operators without notice.</summary>
    public const int MinDefaultOpset = 1, MaxDefaultOpset = 26;

    /// <summary>The only version of the com.microsoft domain.</summary>
    public const int MicrosoftOpset = 1;

    private readonly Dictionary<(string Domain, string OpType), OperatorFactory> _factories = new();

    /// <summary>Every operator the library implements.</summary>
    public static OperatorRegistry Default { get; } = CreateDefault();

    public void Add(string opType, OperatorFactory factory, string domain = DefaultDomain) =>
        _factories[(domain, opType)] = factory;

    public bool TryGet(string domain, string opType, out OperatorFactory factory) =>
        _factories.TryGetValue((NormaliseDomain(domain), opType), out factory!);

    /// <summary>Every registered (domain, op type).</summary>
    public IEnumerable<(string Domain, string OpType)> Operators => _factories.Keys;

    /// <summary>What the operator accepts; every registered operator has one.</summary>
    public static OperatorSpec SpecOf(string domain, string opType) =>
        OperatorSpecs.All.TryGetValue((NormaliseDomain(domain), opType), out OperatorSpec? spec)
            ? spec
            : throw new InvalidOperationException($"Operator {domain}.{opType} is registered without an OperatorSpec.");

    /// <summary>"ai.onnx" and "" are the same domain.</summary>
    public static string NormaliseDomain(string domain) => domain == "ai.onnx" ? DefaultDomain : domain;

    private static OperatorRegistry CreateDefault()
    {
        var registry = new OperatorRegistry();
        ConvolutionOperators.Register(registry);
        LinearOperators.Register(registry);
        ActivationOperators.Register(registry);
        ElementwiseOperators.Register(registry);
        PoolingOperators.Register(registry);
        NormalizationOperators.Register(registry);
        ShapeOperators.Register(registry);
        QuantizedOperators.Register(registry);
        foreach (var (domain, op) in registry.Operators) SpecOf(domain, op);
        return registry;
    }
}
