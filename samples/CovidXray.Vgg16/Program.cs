return TransferLearning.ML.Samples.CovidXrayStudy.Run(args);
