using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TransferLearning.ML.Bench;

/// <summary>
/// Every figure of a run: a JSON tree addressed by dotted keys (<c>fineTune.libraryImagesPerSecond</c>) and one
/// markdown table per section. Both files are rewritten after every section, so an interrupted run still leaves
/// the figures measured so far (marked <c>complete: false</c>).
/// </summary>
internal sealed class BenchReport
{
    private readonly JsonObject _root = new();
    private readonly List<Section> _sections = [];
    private readonly BenchSettings _settings;
    private readonly DateTime _started = DateTime.UtcNow;

    public BenchReport(BenchSettings settings, string machine)
    {
        _settings = settings;
        Set("mode", settings.Quick ? "quick" : "full");
        Set("complete", false);
        Set("date", _started.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        Set("machine", machine);
        Set("cpuFlags", CpuFlags());
        Set("command", settings.CommandLine);
        Set("threads", settings.Threads);
        Set("loadAverageAtStart", LoadAverage());
        _root["accuracy"] = new JsonArray();
    }

    public void Set(string dottedKey, JsonNode? value)
    {
        string[] parts = dottedKey.Split('.');
        JsonObject node = _root;
        foreach (string part in parts[..^1])
        {
            if (node[part] is not JsonObject child) node[part] = child = new JsonObject();
            node = child;
        }
        node[parts[^1]] = value;
    }

    public void Set(string dottedKey, double value) => Set(dottedKey, double.IsFinite(value) ? JsonValue.Create(Math.Round(value, 4)) : null);

    public void AddAccuracy(string dataset, string mode, double accuracy, double rocAuc, double seconds, string evaluatedOn, int trainImages,
        Metrics.BootstrapIntervals? intervals = null, bool byPatient = false)
    {
        var array = (JsonArray)_root["accuracy"]!;
        array.Add(new JsonObject
        {
            ["dataset"] = dataset,
            ["mode"] = mode,
            ["accuracy"] = Round(accuracy),
            ["rocAuc"] = Round(rocAuc),
            ["seconds"] = Round(seconds),
            ["evaluatedOn"] = evaluatedOn,
            ["trainImages"] = trainImages,
            ["splitByPatient"] = byPatient,
            ["accuracyCi95"] = intervals is null ? null : new JsonArray(Round(intervals.Accuracy.Lower), Round(intervals.Accuracy.Upper)),
            ["rocAucCi95"] = intervals is null ? null : new JsonArray(Round(intervals.RocAuc.Lower), Round(intervals.RocAuc.Upper)),
        });
    }

    /// <summary>"0.812 [0.750, 0.870]", or the value alone without an interval.</summary>
    public static string WithInterval(double value, Metrics.ConfidenceInterval? interval) =>
        interval is { } ci && double.IsFinite(ci.Lower)
            ? FormattableString.Invariant($"{value:F3} [{ci.Lower:F3}, {ci.Upper:F3}]")
            : FormattableString.Invariant($"{value:F3}");

    /// <summary>The accuracy and ROC-AUC (with their bootstrap bounds when computed) and seconds under <paramref name="prefix"/>.</summary>
    public void SetScores(string prefix, Metrics.ClassificationMetrics metrics, double seconds)
    {
        Set($"{prefix}.accuracy", metrics.Accuracy);
        Set($"{prefix}.rocAuc", metrics.RocAuc);
        if (metrics.ConfidenceIntervals is { } ci)
        {
            Set($"{prefix}.accuracyLower", ci.Accuracy.Lower);
            Set($"{prefix}.accuracyUpper", ci.Accuracy.Upper);
            Set($"{prefix}.rocAucLower", ci.RocAuc.Lower);
            Set($"{prefix}.rocAucUpper", ci.RocAuc.Upper);
        }
        Set($"{prefix}.seconds", seconds);
    }

    private static JsonNode? Round(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 4)) : null;

    /// <summary>A section's table; rows can be added after it is created.</summary>
    public Section AddSection(string title, params string[] headers)
    {
        var section = new Section(title, headers);
        _sections.Add(section);
        return section;
    }

    public void Write(bool complete = false)
    {
        Set("complete", complete);
        Set("loadAverageAtEnd", LoadAverage());
        Directory.CreateDirectory(_settings.OutputDirectory);
        string suffix = _settings.Quick ? "-quick" : "";
        File.WriteAllText(Path.Combine(_settings.OutputDirectory, $"results{suffix}.json"),
            _root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(_settings.OutputDirectory, $"results{suffix}.md"), Markdown(complete));
    }

    private string Markdown(bool complete)
    {
        var text = new StringBuilder();
        text.AppendLine($"# TransferLearning.ML benchmarks ({(_settings.Quick ? "quick" : "full")} mode)").AppendLine();
        if (!complete) text.AppendLine("**Partial results: the run did not finish; only the sections below were measured.**").AppendLine();
        text.AppendLine($"- date: {_root["date"]}");
        text.AppendLine($"- machine: {_root["machine"]}");
        text.AppendLine($"- CPU flags (`grep -o 'avx512[a-z_]*\\|avx2' /proc/cpuinfo | sort -u`): {_root["cpuFlags"]}");
        text.AppendLine($"- command: `{_settings.CommandLine}`");
        text.AppendLine($"- load average (1, 5, 15 min) at start: {_root["loadAverageAtStart"]}, at end: {LoadAverage()} " +
                        "(the machine is shared with other builds: wall-clock figures are lower bounds of what an idle machine gives)");
        text.AppendLine($"- threads: {_settings.Threads} for every peer; figures are best-of-N over interleaved repetitions where so marked");
        text.AppendLine();
        // sections run in the order that gets the short ones done first; the file lists them by number
        foreach (Section section in _sections.OrderBy(s => s.Title, StringComparer.Ordinal)) section.AppendTo(text);
        return text.ToString();
    }

    /// <summary>The vector-instruction flags of the CPU (AVX2, every AVX-512 subset), as
    /// <c>grep -o 'avx512[a-z_]*\|avx2' /proc/cpuinfo | sort -u</c> prints them, space-separated.</summary>
    public static string CpuFlags()
    {
        if (!File.Exists("/proc/cpuinfo")) return "n/a";
        var flags = new SortedSet<string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(File.ReadAllText("/proc/cpuinfo"), "avx512[a-z_]*|avx2"))
            flags.Add(m.Value);
        return flags.Count == 0 ? "none" : string.Join(" ", flags);
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal sealed class Section(string title, string[] headers)
    {
        public string Title => title;

        private readonly List<string[]> _rows = [];
        private readonly List<string> _notes = [];

        public void Row(params object?[] cells)
        {
            string[] row = cells.Select(Format).ToArray();
            _rows.Add(row);
            Console.WriteLine($"[{title}] " + string.Join(" | ", headers.Zip(row, (h, c) => $"{h}: {c}")));
        }

        public void Note(string note)
        {
            _notes.Add(note);
            Console.WriteLine($"[{title}] {note}");
        }

        public void AppendTo(StringBuilder text)
        {
            text.AppendLine($"## {title}").AppendLine();
            if (_rows.Count > 0)
            {
                text.AppendLine("| " + string.Join(" | ", headers) + " |");
                text.AppendLine("|" + string.Concat(headers.Select(_ => "---|")));
                foreach (string[] row in _rows) text.AppendLine("| " + string.Join(" | ", row) + " |");
                text.AppendLine();
            }
            foreach (string note in _notes) text.AppendLine($"- {note}");
            if (_notes.Count > 0) text.AppendLine();
        }

        private static string Format(object? cell) => cell switch
        {
            null => "n/a",
            double d when !double.IsFinite(d) => "n/a",
            double d => Math.Abs(d) >= 100 ? d.ToString("F0", CultureInfo.InvariantCulture)
                : Math.Abs(d) >= 10 ? d.ToString("F1", CultureInfo.InvariantCulture)
                : d.ToString("F3", CultureInfo.InvariantCulture),
            _ => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
        };
    }
}
