namespace TransferLearning.ML.Data;

/// <summary>One labelled image of an <see cref="ImageDataset"/>.</summary>
/// <param name="Source">Where the encoded image is.</param>
/// <param name="Label">The class index into <see cref="ImageDataset.ClassNames"/>.</param>
/// <param name="Group">
/// What ties samples together that must never be split apart (typically the patient id), or <c>null</c>.
/// Splits keep every group inside one split.
/// </param>
public sealed record ImageSample(ImageSource Source, int Label, string? Group = null);
