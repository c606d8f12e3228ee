using TorchSharp;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>Element-wise non-linearities: Relu, LeakyRelu, Clip (also ReLU6), Sigmoid, Tanh, HardSigmoid, HardSwish, Softmax.</summary>
internal static class ActivationOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("Relu", _ => InPlaceActivation(x => nn.functional.relu(x), x => x.relu_()));
        registry.Add("Sigmoid", _ => InPlaceActivation(x => x.sigmoid(), x => x.sigmoid_()));
        registry.Add("Tanh", _ => Activation(x => x.tanh()));
        registry.Add("LeakyRelu", c =>
        {
            double alpha = c.Float("alpha", 0.01f);
            return Activation(x => nn.functional.leaky_relu(x, alpha));
        });
        registry.Add("HardSigmoid", c =>
        {
            double alpha = c.Float("alpha", 0.2f), beta = c.Float("beta", 0.5f);
            return Activation(x =>
            {
                using Tensor scaled = x.mul(alpha).add_(beta);
                return scaled.clamp(0.0, 1.0);
            });
        });
        registry.Add("HardSwish", _ => Activation(x => nn.functional.hardswish(x)));
        registry.Add("Clip", Clip);
        registry.Add("Softmax", Softmax);
    }

    /// <summary>An activation that writes into its input when the executor allows it (no autograd, last reader).</summary>
    private static IOnnxOperator InPlaceActivation(Func<Tensor, Tensor> function, Action<Tensor> inPlace) =>
        new DelegateOperator(OperatorKind.Activation, (in NodeInputs x, in OperatorRunContext run) =>
        {
            if (!run.MayOverwriteInput) return function(x[0]);
            inPlace(x[0]);
            return x[0];
        });

    private static IOnnxOperator Activation(Func<Tensor, Tensor> function) =>
        new DelegateOperator(OperatorKind.Activation, (in NodeInputs x, in OperatorRunContext _) => function(x[0]));

    private static IOnnxOperator Clip(OperatorBuildContext context)
    {
        if (context.Opset < 11)
        {
            float min = context.Float("min", float.NegativeInfinity), max = context.Float("max", float.PositiveInfinity);
            return ClampActivation(min, max);
        }
        if (context.HasAttribute("min") || context.HasAttribute("max"))
            throw context.Error("attributes 'min'/'max' are opset < 11 bounds; from opset 11 Clip reads them as inputs 1 and 2: pass them as inputs");
        bool staticMin = !context.HasInput(1) || context.Constant(1) is not null;
        bool staticMax = !context.HasInput(2) || context.Constant(2) is not null;
        if (staticMin && staticMax)
        {
            float min = context.HasInput(1) ? TensorData.ToFloatArray(context.StaticInput(1, "min"))[0] : float.NegativeInfinity;
            float max = context.HasInput(2) ? TensorData.ToFloatArray(context.StaticInput(2, "max"))[0] : float.PositiveInfinity;
            return ClampActivation(min, max);
        }
        return new DelegateOperator(OperatorKind.Activation, (in NodeInputs x, in OperatorRunContext _) =>
            Clamp(x[0],
                x.Has(1) ? x[1].to_type(ScalarType.Float32).ToSingle() : float.NegativeInfinity,
                x.Has(2) ? x[2].to_type(ScalarType.Float32).ToSingle() : float.PositiveInfinity));
    }

    private static IOnnxOperator ClampActivation(float min, float max) =>
        new DelegateOperator(OperatorKind.Activation, (in NodeInputs x, in OperatorRunContext run) =>
        {
            if (!run.MayOverwriteInput || float.IsInfinity(min) || float.IsInfinity(max) || !x[0].is_floating_point()) return Clamp(x[0], min, max);
            x[0].clamp_(min, max);
            return x[0];
        });

    private static Tensor Clamp(Tensor x, float min, float max)
    {
        if (!x.is_floating_point())
        {
            // integer bounds keep the integer type (float bounds would promote the result to float)
            bool hasMin = !float.IsNegativeInfinity(min), hasMax = !float.IsPositiveInfinity(max);
            if (hasMin && hasMax) return x.clamp((long)min, (long)max);
            if (hasMin) return x.clamp_min((long)min);
            return hasMax ? x.clamp_max((long)max) : x.clone();
        }
        if (float.IsNegativeInfinity(min)) return float.IsPositiveInfinity(max) ? x.clone() : x.clamp_max(max);
        if (float.IsPositiveInfinity(max)) return x.clamp_min(min);
        // ReLU6 (MobileNet's Clip) under autograd: libtorch's clamp backward costs 10-20x relu6's, and MobileNetV2's
        // trainable blocks run nine per step (bench/ModuleForwardBench --suffix, docs/performance.md). The same values; the
        // gradient differs only at x exactly 0 or 6 (0 there, as PyTorch's ReLU6 gives; clamp passes it)
        if (min == 0 && max == 6 && is_grad_enabled()) return nn.functional.relu6(x);
        return x.clamp(min, max);
    }

    private static IOnnxOperator Softmax(OperatorBuildContext context)
    {
        long axis = context.Int("axis", context.Opset >= 13 ? -1 : 1);
        if (context.Opset >= 13)
            return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) =>
                nn.functional.softmax(x[0], axis));
        // before opset 13 the input is coerced to 2-d at the axis, and the softmax taken over the second dimension
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext _) =>
        {
            Tensor input = x[0];
            long a = axis < 0 ? axis + input.dim() : axis;
            long rows = 1;
            for (int i = 0; i < a; i++) rows *= input.shape[i];
            using Tensor flat = input.reshape(rows, -1);
            using Tensor soft = nn.functional.softmax(flat, 1);
            return soft.reshape(input.shape);
        });
    }
}
