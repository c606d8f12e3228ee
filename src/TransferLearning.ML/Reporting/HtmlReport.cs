using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Reporting;

/// <summary>
/// Writes a run's report as ONE self-contained HTML5 file: inline CSS, figures embedded as base64 PNG data URIs,
/// no script and no external resource, so it can be mailed or archived as is. The markup is well-formed XML
/// (XHTML-style HTML5) and every string from the report is escaped.
/// </summary>
internal static class HtmlReport
{
    /// <summary>Renders the figures and writes the report to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <param name="path">Destination, usually <c>report.html</c>; its folder is created.</param>
    /// <param name="report">What to show.</param>
    /// <param name="cancellationToken">Stops between figures.</param>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or the dataset summary is inconsistent.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, RunReport report, CancellationToken cancellationToken = default) =>
        AtomicFile.WriteAllText(path, Render(report, cancellationToken));

    /// <summary>The HTML text <see cref="Write"/> writes.</summary>
    /// <param name="report">What to show.</param>
    /// <param name="cancellationToken">Stops between figures.</param>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset summary is inconsistent.</exception>
    public static string Render(RunReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Render(report, ReportImages.Render(report, cancellationToken));
    }

    internal static string Render(RunReport report, ReportImages images)
    {
        report.Dataset?.Validate();
        var body = new XElement("main",
            E("h1", report.Title),
            E("p", Meta(report)).WithClass("meta"));
        if (report.Metrics is { } metrics) body.Add(ReportSections.Headline(metrics, report.EvaluatedSplit));
        if (report.Dataset is { } dataset) body.Add(ReportSections.Dataset(dataset));
        if (report.Configuration.Count > 0)
            body.Add(E("h2", "Configuration"), ReportSections.KeyValues(report.Configuration.Select(kv => (kv.Key, kv.Value))));
        if (report.Timings.Count > 0)
            body.Add(E("h2", "Timings"), ReportSections.KeyValues(report.Timings.Select(kv => (kv.Key, Duration(kv.Value)))));
        if (images.TrainingCurves is { } curves)
            body.Add(E("h2", "Training curves"), Figure(curves, "Loss and accuracy per epoch; dotted lines mark a change of training phase.", "Training curves"));
        if (report.Metrics is { } m)
        {
            body.Add(ReportSections.MetricsTable(m, report.EvaluatedSplit), ReportSections.PerClassTable(m));
            var figures = E("div").WithClass("figures");
            if (images.ConfusionMatrix is { } confusion)
                figures.Add(Figure(confusion, "Rows: true class; each cell shows the count and the share of its true class.", "Confusion matrix").WithClass("half"));
            if (images.RocCurves is { } roc)
                figures.Add(Figure(roc, m.IsBinary ? $"ROC curve of {m.ClassNames[1]}." : "One-vs-rest ROC curve of each class.", "ROC curves").WithClass("half"));
            if (images.Reliability is { } reliability)
                figures.Add(Figure(reliability, "Accuracy against confidence in 15 equal-width bins; bars under the diagonal are over-confident.", "Reliability diagram").WithClass("half"));
            body.Add(E("h2", "Figures"), figures);
        }
        if (report.ConfidentlyWrong.Count > 0) body.Add(ReportSections.Examples(report.ConfidentlyWrong));
        if (report.SkippedFiles.Count > 0) body.Add(ReportSections.Skipped(report.SkippedFiles));
        if (report.Notes.Count > 0)
            body.Add(E("h2", "Notes"), E("ul", report.Notes.Select(n => E("li", n))));
        body.Add(E("footer", "Written by TransferLearning.ML. Metric definitions follow scikit-learn; see docs/metrics-and-report.md."));

        var html = new XElement("html", new XAttribute("lang", "en"),
            new XElement("head",
                new XElement("meta", new XAttribute("charset", "utf-8")),
                new XElement("meta", new XAttribute("name", "viewport"), new XAttribute("content", "width=device-width, initial-scale=1")),
                E("title", report.Title),
                E("style", ReportStyle.Css)),
            new XElement("body", body));
        return "<!DOCTYPE html>\n" + html.ToString(SaveOptions.None) + "\n";
    }

    /// <summary>
    /// An element whose text children are made safe for XML; an empty non-void element gets an empty text node so
    /// it is written as &lt;x&gt;&lt;/x&gt; (HTML5 would read &lt;x /&gt; as an unclosed tag).
    /// </summary>
    internal static XElement E(string name, params object?[] content)
    {
        var element = new XElement(name, content.Select(c => c is string s ? Clean(s) : c));
        if (element.IsEmpty) element.Value = "";
        return element;
    }

    internal static XElement WithClass(this XElement element, string cssClass)
    {
        element.SetAttributeValue("class", cssClass);
        return element;
    }

    /// <summary>Replaces characters XML cannot hold (control characters, lone surrogates) with U+FFFD.</summary>
    internal static string Clean(string text)
    {
        if (text.All(XmlConvert.IsXmlChar)) return text;
        var chars = text.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (!XmlConvert.IsXmlChar(chars[i])) chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    internal static XElement Image(byte[] png, string alt) =>
        new("img", new XAttribute("src", "data:image/png;base64," + Convert.ToBase64String(png)), new XAttribute("alt", Clean(alt)));

    private static XElement Figure(byte[] png, string caption, string alt) => E("figure", Image(png, alt), E("figcaption", caption));

    private static string Meta(RunReport report)
    {
        var parts = new List<string>();
        if (report.CreatedAt is { } created) parts.Add("Created " + created.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        if (report.Metrics is { } m) parts.Add($"evaluated on the {report.EvaluatedSplit} split ({m.SampleCount.ToString(CultureInfo.InvariantCulture)} images, {m.ClassNames.Count.ToString(CultureInfo.InvariantCulture)} classes)");
        return parts.Count == 0 ? "Training run report" : string.Join(" · ", parts);
    }

    private static string Duration(TimeSpan span)
    {
        if (span.TotalSeconds < 120) return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        int hours = (int)span.TotalHours;
        return hours == 0
            ? $"{span.Minutes}:{span.Seconds:00} min"
            : $"{hours.ToString(CultureInfo.InvariantCulture)}:{span.Minutes:00}:{span.Seconds:00} h";
    }
}
