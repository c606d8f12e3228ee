namespace TransferLearning.ML.Cli;

/// <summary>
/// What <c>tl</c> returns to the shell. Every failure prints one line on stderr (<c>tl: error: …</c>) naming the file
/// or flag and what to do; the stack trace of an unexpected failure is printed only with <c>TL_DEBUG=1</c>.
/// Listed in <c>tl --help</c> (<see cref="Help"/>) and docs/getting-started.md.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug): one line naming the exception; TL_DEBUG=1 adds the stack trace.</summary>
    public const int Failure = 1;

    /// <summary>Invalid arguments or options (also System.CommandLine's parse errors).</summary>
    public const int Usage = 2;

    /// <summary>
    /// An input is missing, unreadable or unusable: images (damaged, over --max-megapixels), a model or checkpoint
    /// file (truncated, from another run), a backbone graph (unsupported operator, weights missing from the graph,
    /// an input that is not an NCHW image).
    /// </summary>
    public const int InputError = 3;

    /// <summary>A catalog backbone is not cached and cannot be downloaded.</summary>
    public const int BackboneUnavailable = 4;

    /// <summary>An output cannot be written (disk full, no permission, read-only folder), or a file cannot be read for lack of permission.</summary>
    public const int IoError = 5;

    /// <summary>Not enough memory for the run (lower --batch-size or --image-size).</summary>
    public const int OutOfMemory = 6;

    /// <summary>Interrupted (Ctrl+C); with --checkpoints, rerun the same command to resume.</summary>
    public const int Cancelled = 130;

    /// <summary>The exit codes as the help text shows them.</summary>
    public const string Help =
        "Exit codes: 0 done; 1 unexpected failure (a bug; TL_DEBUG=1 prints the stack trace); 2 invalid arguments; " +
        "3 unusable input (images, model, checkpoint or backbone file); 4 catalog backbone unavailable; " +
        "5 a file cannot be written or read (disk full, permissions); 6 out of memory; 130 cancelled.";
}
