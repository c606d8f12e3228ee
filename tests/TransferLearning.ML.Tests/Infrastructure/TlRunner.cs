using System.Reflection;

namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>Runs <c>tl</c> in-process through its entry point and captures what it writes to stdout and stderr.</summary>
public static class TlRunner
{
    public static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var previousOut = Console.Out;
        var previousError = Console.Error;
        var previousAnsi = Spectre.Console.AnsiConsole.Console;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        // Spectre.Console keeps the writer it first saw: give it this one, then the previous one back
        Spectre.Console.AnsiConsole.Console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(output),
        });
        try
        {
            var entry = Assembly.Load("tl").EntryPoint!;
            object? result = entry.Invoke(null, [args]);
            int exit = result is Task<int> task ? task.GetAwaiter().GetResult() : (int)result!;
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            Spectre.Console.AnsiConsole.Console = previousAnsi;
        }
    }
}
