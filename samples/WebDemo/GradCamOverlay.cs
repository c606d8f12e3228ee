namespace TransferLearning.ML.WebDemo;

/// <summary>Where in the image the network looked for the predicted class.</summary>
/// <param name="ImageDataUrl">The overlay (heatmap blended over the image) as a <c>data:image/png;base64,</c> URL.</param>
/// <param name="TargetClass">The class the heatmap explains.</param>
/// <param name="Layer">The convolutional layer the activations were taken from, when known.</param>
public sealed record GradCamOverlay(string ImageDataUrl, string TargetClass, string? Layer);
