using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>Broadcasting arithmetic: Add, Sub, Mul, Div (integer division truncates, as ONNX specifies), Sum.</summary>
internal static class ElementwiseOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("Add", c => new DelegateOperator(Kind(c, true), (in NodeInputs x, in OperatorRunContext run) =>
        {
            // in place only when the sum keeps the first operand's shape and type
            if (!run.MayOverwriteInput || x[0].dtype != x[1].dtype || !x[0].shape.SequenceEqual(x[1].shape)) return x[0].add(x[1]);
            x[0].add_(x[1]);
            return x[0];
        }));
        registry.Add("Sub", c => Binary(c, mergesActivations: false, (a, b) => a.sub(b)));
        registry.Add("Mul", c => Binary(c, mergesActivations: false, (a, b) => a.mul(b)));
        registry.Add("Div", c => Binary(c, mergesActivations: false, (a, b) =>
            a.is_floating_point() || b.is_floating_point() ? a.div(b) : a.div(b, RoundingMode.trunc)));
        registry.Add("Sum", c => new DelegateOperator(Kind(c, true), (in NodeInputs x, in OperatorRunContext _) =>
        {
            Tensor sum = x[0].alias();
            for (int i = 1; i < x.Count; i++)
            {
                Tensor next = sum.add(x[i]);
                sum.Dispose();
                sum = next;
            }
            return sum;
        }));
    }

    private static IOnnxOperator Binary(OperatorBuildContext context, bool mergesActivations, Func<Tensor, Tensor, Tensor> function) =>
        new DelegateOperator(Kind(context, mergesActivations), (in NodeInputs x, in OperatorRunContext _) => function(x[0], x[1]));

    /// <summary>An Add of two computed tensors joins branches (a residual connection); with a constant it is a bias.</summary>
    private static OperatorKind Kind(OperatorBuildContext context, bool mergesActivations)
    {
        if (!mergesActivations) return OperatorKind.Other;
        int computed = 0;
        for (int i = 0; i < context.Node.Input.Count; i++)
            if (context.HasInput(i) && context.Constant(i) is null) computed++;
        return computed >= 2 ? OperatorKind.Merge : OperatorKind.Other;
    }
}
