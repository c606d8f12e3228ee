namespace TransferLearning.ML.Data;

/// <summary>The order of colour planes in the tensor.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (PyTorch / torchvision, most ONNX exports).</summary>
    RGB,
    /// <summary>Blue, green, red (Caffe-style and some Keras "caffe" preprocessing, e.g. VGG16 from Keras).</summary>
    BGR,
}
