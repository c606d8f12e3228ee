return TransferLearning.ML.Samples.DiabeticRetinopathyStudy.Run(args);
