using Microsoft.Extensions.Logging;

namespace TransferLearning.ML.Tests.Infrastructure;

/// <summary>An <see cref="ILogger"/> that keeps every formatted message (thread-safe), for tests that check what a run logged.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly List<string> _messages = [];

    /// <summary>The messages so far, in order (a copy).</summary>
    public IReadOnlyList<string> Messages { get { lock (_messages) return _messages.ToList(); } }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_messages) _messages.Add(formatter(state, exception));
    }
}
