using System.Globalization;
using Spectre.Console;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Cli;

/// <summary>Shows training progress: a live bar on a terminal, one line per epoch when output is redirected.</summary>
internal static class TrainingProgressDisplay
{
    public static T Run<T>(Func<IProgress<TrainingProgress>, T> work)
    {
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            return work(new LineProgress());
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                string? current = null;
                result = work(new InlineProgress(p =>
                {
                    string label = p.Epoch == 0 ? p.Phase : $"{p.Phase} epoch {p.Epoch}/{p.TotalEpochs}";
                    if (label != current)
                    {
                        task?.StopTask();
                        task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(1, p.TotalBatches));
                        current = label;
                    }
                    task!.Value = p.Batch;
                    if (p.EpochResult is { } e)
                    {
                        task.Description = Markup.Escape($"{label}: loss {e.TrainLoss:F4}, val acc {e.ValidationAccuracy:F4}, val auc {e.ValidationRocAuc:F4}");
                        task.StopTask();
                    }
                }));
            });
        return result;
    }

    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private sealed class LineProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.EpochResult is not { } e) return;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {e.Epoch}/{p.TotalEpochs} ({e.Phase}): loss {e.TrainLoss:F4} acc {e.TrainAccuracy:F4} | val loss {e.ValidationLoss:F4} acc {e.ValidationAccuracy:F4} auc {e.ValidationRocAuc:F4} | {e.Seconds:F1}s"));
        }
    }
}
