using TransferLearning.ML.Reporting;
using TransferLearning.ML.Training;

namespace TransferLearning.ML.Cli;

/// <summary>The HTML report of a run.</summary>
internal static class Report
{
    public static string Write(string directory, TrainingResult result) => RunReportBuilder.Write(directory, result);
}
