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
        if (context.HasAttribute("spatial") && context.Int("spatial", 1) != 1)
            throw context.Error("attribute 'spatial' = 0 (per-activation statistics, opset 7-8) is not implemented, only spatial = 1 is; " +
                "re-export the model at opset 9 or later, where statistics are per channel");
        if (context.Int("training_mode", 0) != 0)
            throw context.Error("attribute 'training_mode' = 1 asks for batch statistics in inference, which OnnxModule does not implement " +
                "(it uses the running statistics, and batch statistics only in train() with OnnxModuleOptions.TrainBatchNormStatistics); " +
                "set training_mode to 0 or remove it");
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
        if (context.Opset < 12 && context.HasInput(1))
            throw context.Error("it has a second input, but before opset 12 Dropout takes one; fix the graph");
        if (context.HasInput(2))
        {
            if (context.Constant(2) is null)
                throw context.Error($"its training_mode input '{context.Node.Input[2]}' is computed; OnnxModule switches Dropout with " +
                    "train()/eval() and supports only a constant false training_mode: make it a constant false or remove it");
            if (TensorData.ToDoubleArray(context.StaticInput(2, "training_mode")).Any(v => v != 0))
                throw context.Error("its training_mode input is true, which drops values even in inference; OnnxModule switches Dropout " +
                    "with train()/eval() instead: make training_mode false or remove it");
        }
        return new DelegateOperator(OperatorKind.Other, (in NodeInputs x, in OperatorRunContext run) =>
            run.Training && ratio > 0 ? nn.functional.dropout(x[0], ratio, true) : x[0]);
    }
}
