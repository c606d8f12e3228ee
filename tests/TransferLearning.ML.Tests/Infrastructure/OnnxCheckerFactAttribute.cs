namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>
/// A fact that needs files from <c>../shared</c> and the reference ONNX checker (<see cref="OnnxChecker"/>): it is
/// reported as skipped, with the reason, when either is missing.
/// </summary>
public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    /// <param name="relativePaths">Paths under <c>shared/</c> the test reads.</param>
    public OnnxCheckerFactAttribute(params string[] relativePaths) => Skip = OnnxCheckerRequirement.Missing(relativePaths);
}

/// <summary>The theory counterpart of <see cref="OnnxCheckerFactAttribute"/>.</summary>
public sealed class OnnxCheckerTheoryAttribute : TheoryAttribute
{
    /// <param name="relativePaths">Paths under <c>shared/</c> the test reads.</param>
    public OnnxCheckerTheoryAttribute(params string[] relativePaths) => Skip = OnnxCheckerRequirement.Missing(relativePaths);
}

internal static class OnnxCheckerRequirement
{
    /// <summary>Why the test must be skipped, or null.</summary>
    public static string? Missing(string[] relativePaths) =>
        SharedRequirement.FirstMissing(relativePaths) is { } missing
            ? $"needs {missing} (set TL_SHARED_DIR or put shared/ beside the checkout)"
            : OnnxChecker.Unavailable;
}
