return TransferLearning.ML.Samples.KidneyStoneStudy.Run(args);
