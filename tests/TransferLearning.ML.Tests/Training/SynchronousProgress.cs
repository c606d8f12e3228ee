namespace TransferLearning.ML.Tests.Training;

/// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool), so a test can react mid-epoch.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
