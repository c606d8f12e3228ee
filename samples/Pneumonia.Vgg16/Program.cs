return TransferLearning.ML.Samples.PneumoniaStudy.Run(args);
