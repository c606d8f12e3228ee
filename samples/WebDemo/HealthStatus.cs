namespace TransferLearning.ML.WebDemo;

/// <summary>The answer of <c>GET /health</c>: the app is up and its model is loaded.</summary>
/// <param name="Status">Always <c>ok</c> (the app does not start without a model).</param>
/// <param name="Classes">How many classes the model predicts.</param>
public sealed record HealthStatus(string Status, int Classes);
