using TransferLearning.ML.Models;

namespace TransferLearning.ML.WebDemo;

/// <summary>What <c>GET /info</c> tells the page about the served model and the upload rules.</summary>
/// <param name="ModelFile">The model file's name.</param>
/// <param name="ClassNames">Class names in label order.</param>
/// <param name="Backbone">The backbone's name.</param>
/// <param name="Mode">How it was trained (<c>features</c>, <c>finetune</c>, <c>scratch</c>).</param>
/// <param name="DecisionThreshold">For two classes, the probability of the second class at or above which it is
/// predicted; null for argmax.</param>
/// <param name="MaxUploadBytes">The largest accepted image.</param>
/// <param name="GradCamAvailable">Whether predictions come with a Grad-CAM overlay.</param>
/// <param name="MaxImagePixels">The largest accepted image in pixels (width × height).</param>
public sealed record ModelInfo(string ModelFile, IReadOnlyList<string> ClassNames, string Backbone, string Mode,
    double? DecisionThreshold, long MaxUploadBytes, bool GradCamAvailable, long MaxImagePixels = Data.ImageLoadingOptions.DefaultMaxImagePixels)
{
    /// <summary>Describes <paramref name="model"/> as served with <paramref name="settings"/>.</summary>
    public static ModelInfo Describe(TransferModel model, WebDemoSettings settings, bool gradCamAvailable) =>
        new(Path.GetFileName(settings.ModelPath), model.ClassNames, model.BackboneName, model.Mode.ToString(), model.DecisionThreshold,
            settings.MaxUploadBytes, gradCamAvailable, settings.MaxImagePixels);
}
