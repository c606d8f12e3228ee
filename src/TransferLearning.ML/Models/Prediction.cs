namespace TransferLearning.ML.Models;

/// <summary>A classifier's answer for one image.</summary>
/// <param name="Label">The predicted class name.</param>
/// <param name="LabelIndex">Its index in <see cref="TransferModel.ClassNames"/>.</param>
/// <param name="Probabilities">Probability of every class, in <see cref="TransferModel.ClassNames"/> order.</param>
public sealed record Prediction(string Label, int LabelIndex, IReadOnlyList<float> Probabilities)
{
    /// <summary>The probability of the predicted class.</summary>
    public float Confidence => Probabilities[LabelIndex];
}
