return TransferLearning.ML.Samples.BackboneComparison.Run(args);
