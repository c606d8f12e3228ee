using System.CommandLine;
using Microsoft.Extensions.Logging;
using TransferLearning.ML.Cli;
using TransferLearning.ML.Cli.Commands;

using var logging = LoggerFactory.Create(builder => builder
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(Environment.GetEnvironmentVariable("TL_LOG_LEVEL") is { } level && Enum.TryParse<LogLevel>(level, true, out var l) ? l : LogLevel.Warning));

var root = new RootCommand("tl — transfer learning for medical images: train, evaluate, predict, export, ensemble, report. " + ExitCodes.Help)
{
    TrainCommand.Create(logging),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    ExportCommand.Create(),
    EnsembleCommand.Create(),
    ReportCommand.Create(),
    BackbonesCommand.Create(),
    DoctorCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) CommandRunner.Error(error.Message);
    Console.Error.WriteLine("Run `tl --help` or `tl <command> --help` for usage.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
