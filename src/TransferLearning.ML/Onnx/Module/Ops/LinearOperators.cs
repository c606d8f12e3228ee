using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>Gemm (alpha, beta, transA, transB) and MatMul.</summary>
internal static class LinearOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("Gemm", Gemm);
        registry.Add("MatMul", MatMul);
    }

    private static IOnnxOperator Gemm(OperatorBuildContext context)
    {
        float alpha = context.Float("alpha", 1f);
        float beta = context.Float("beta", 1f);
        bool transA = context.Int("transA", 0) != 0;
        bool transB = context.Int("transB", 0) != 0;
        context.SetRole(1, transB ? ParameterRole.LinearWeight : ParameterRole.LinearWeightTransposed);
        context.SetRole(2, ParameterRole.Bias);
        var kind = context.Constant(1) is not null ? OperatorKind.Linear : OperatorKind.Other;
        if (alpha == 1f && beta == 1f && !transA && transB)
            return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
                nn.functional.linear(x[0], x[1], x.Has(2) ? x[2] : null));
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) =>
        {
            using var scope = NewDisposeScope();
            Tensor a = transA ? x[0].t() : x[0];
            Tensor b = transB ? x[1].t() : x[1];
            Tensor y = a.matmul(b);
            if (alpha != 1f) y = y.mul(alpha);
            if (x.Has(2)) y = beta == 1f ? y.add(x[2]) : y.add(x[2].mul(beta));
            return y.MoveToOuterDisposeScope();
        });
    }

    private static IOnnxOperator MatMul(OperatorBuildContext context)
    {
        context.SetRole(1, ParameterRole.LinearWeightTransposed);
        // a constant left operand (y = W x) is the weight, laid out [out, in]
        if (context.Constant(0) is not null && context.Constant(1) is null) context.SetRole(0, ParameterRole.LinearWeight);
        var kind = context.Constant(1) is not null ? OperatorKind.Linear : OperatorKind.Other;
        return new DelegateOperator(kind, (in NodeInputs x, in OperatorRunContext _) => x[0].matmul(x[1]));
    }
}
