namespace TransferLearning.ML.Cli;

/// <summary>What <c>tl</c> returns to the shell.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug or an environment problem); the message and a stack trace are printed.</summary>
    public const int Failure = 1;

    /// <summary>Invalid arguments or options (also System.CommandLine's parse errors).</summary>
    public const int Usage = 2;

    /// <summary>An input file or folder is missing or unreadable (images, model, backbone file).</summary>
    public const int InputError = 3;

    /// <summary>A catalog backbone is not cached and cannot be downloaded.</summary>
    public const int BackboneUnavailable = 4;

    /// <summary>Interrupted (Ctrl+C); with --checkpoints, rerun the same command to resume.</summary>
    public const int Cancelled = 130;
}
