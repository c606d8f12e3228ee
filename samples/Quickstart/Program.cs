return TransferLearning.ML.Samples.QuickstartRun.Run(args);
