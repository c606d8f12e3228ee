using TorchSharp;
using static TorchSharp.torch;

namespace TransferLearning.ML.Onnx.Module.Ops;

/// <summary>BatchNormalization and Dropout, whose behaviour depends on the module's training mode.</summary>
internal static class NormalizationOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Add("BatchNormalization", BatchNormalization);
        registry.Add("Dropout", Dropout);
    }

    private static IOnnxOperator BatchNormalization(OperatorBuildContext context)
    {
        context.SetRole(1, ParameterRole.NormScale);
        context.SetRole(2, ParameterRole.NormBias);
        context.SetRole(3, ParameterRole.RunningMean);
        context.SetRole(4, ParameterRole.RunningVariance);
        double epsilon = context.Float("epsilon", 1e-5f);
        // ONNX's momentum weighs the old running value, libtorch's the new batch statistic
        double momentum = 1.0 - context.Float("momentum", 0.9f);
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext run) =>
        {
            // only a layer being trained (its scale is a trainable parameter) learns statistics: a frozen block's
            // running mean and variance stay as imported, bit for bit
            bool batchStatistics = run.Training && run.TrainBatchNormStatistics && x[1].requires_grad;
            return nn.functional.batch_norm(x[0], x[3], x[4], x[1], x[2], batchStatistics, momentum, epsilon);
        });
    }

    private static IOnnxOperator Dropout(OperatorBuildContext context)
    {
        double ratio = context.Opset < 12
            ? context.Float("ratio", 0.5f)
            : context.HasInput(1) ? TensorData.ToFloatArray(context.StaticInput(1, "ratio"))[0] : 0.5;
        if (context.HasInput(2)) context.StaticInput(2, "training_mode");
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext run) =>
            run.Training && ratio > 0 ? nn.functional.dropout(x[0], ratio, true) : x[0]);
    }
}
