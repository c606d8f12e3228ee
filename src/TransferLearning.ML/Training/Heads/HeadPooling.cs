namespace TransferLearning.ML.Training.Heads;

/// <summary>How a backbone's spatial feature map becomes the head's input vector.</summary>
public enum HeadPooling
{
    /// <summary>Global average pooling over height and width (C×H×W → C). The default: few parameters, robust on small data.</summary>
    GlobalAverage,

    /// <summary>Flatten the whole map (C×H×W → C·H·W), as the classic VGG heads do (512×7×7 = 25 088 inputs).</summary>
    Flatten,
}
