namespace TransferLearning.ML.Data;

/// <summary>How an image is fitted to the network's input size.</summary>
public enum ResizeMode
{
    /// <summary>Scale each axis independently to the target (aspect ratio not kept; what Keras and ML.NET do by default).</summary>
    Stretch,
    /// <summary>Scale so the shorter side fits, then cut the centre (torchvision's Resize + CenterCrop; keeps aspect, loses edges).</summary>
    ShorterSideCenterCrop,
    /// <summary>Scale so the longer side fits and fill the rest with black (keeps aspect and every pixel).</summary>
    PadToSquare,
}
