namespace TransferLearning.ML.WebDemo;

/// <summary>The answer of <c>POST /predict</c> for a refused upload (HTTP 400 or 413).</summary>
/// <param name="Error">What is wrong and what to do, in one sentence for the page.</param>
public sealed record UploadError(string Error);
