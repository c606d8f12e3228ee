using System.Globalization;
using System.Xml.Linq;
using TransferLearning.ML.Metrics;
using static TransferLearning.ML.Reporting.HtmlReport;

namespace TransferLearning.ML.Reporting;

/// <summary>The report's tables and grids, built as XML elements so escaping and well-formedness come for free.</summary>
internal static class ReportSections
{
    public static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "n/a";

    public static string Interval(ConfidenceInterval? interval) =>
        interval is null || !double.IsFinite(interval.Lower) ? "" : $"{Number(interval.Lower)} – {Number(interval.Upper)}";

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static XElement NumberCell(string text) => E("td", text).WithClass("num");

    private static XElement Table(IEnumerable<string> header, IEnumerable<XElement> rows) =>
        E("table", E("thead", E("tr", header.Select(h => E("th", h)))), E("tbody", rows));

    public static IEnumerable<XElement> Headline(ClassificationMetrics m, string split)
    {
        var ci = m.ConfidenceIntervals;
        var undefinedNow = UndefinedMetrics.Reasons(m);
        double Defined(string key, double value) => undefinedNow.ContainsKey(key) ? double.NaN : value;
        var cards = new List<XElement>
        {
            Card("Accuracy", m.Accuracy, ci?.Accuracy, ci),
            Card("Balanced accuracy", m.BalancedAccuracy, ci?.BalancedAccuracy, ci),
            Card("ROC-AUC", m.RocAuc, ci?.RocAuc, ci),
        };
        if (m.IsBinary)
        {
            cards.Add(Card($"Sensitivity ({m.ClassNames[1]})", Defined("sensitivity", m.Sensitivity), undefinedNow.ContainsKey("sensitivity") ? null : ci?.Sensitivity, ci));
            cards.Add(Card("Specificity", Defined("specificity", m.Specificity), undefinedNow.ContainsKey("specificity") ? null : ci?.Specificity, ci));
            cards.Add(Card("Threshold on P(" + m.ClassNames[1] + ")", m.Threshold ?? double.NaN, null, ci));
        }
        else
        {
            cards.Add(Card("Macro F1", m.Macro.F1, null, ci));
            cards.Add(Card("Quadratic weighted kappa", m.QuadraticWeightedKappa, null, ci));
        }
        string level = ci is null ? "" : $" Intervals: {Level(ci)} percentile bootstrap, {Count(ci.Samples)} resamples, seed {Count(ci.Seed)}.";
        yield return E("h2", $"Results on the {split} split");
        yield return E("div", cards).WithClass("cards");
        yield return E("p", $"{Count(m.SampleCount)} images.{level}").WithClass("meta");
        var undefined = UndefinedMetrics.Reasons(m);
        if (undefined.Count > 0)
            yield return E("div", E("p", "Undefined metrics (shown as n/a):"),
                E("ul", undefined.Select(u => E("li", $"{u.Key}: {u.Value}.")))).WithClass("undefined");
    }

    public static IEnumerable<XElement> Skipped(IReadOnlyList<Data.SkippedFile> skipped)
    {
        yield return E("h2", $"Skipped images ({Count(skipped.Count)})");
        yield return E("p", "Left out of training and evaluation because they could not be read (SkipUnreadableImages / --skip-unreadable).").WithClass("meta");
        yield return E("ul", skipped.Take(200).Select(f => E("li", $"{f.Path}: {f.Reason}")));
        if (skipped.Count > 200) yield return E("p", $"… and {Count(skipped.Count - 200)} more.").WithClass("meta");
    }

    private static XElement Card(string name, double value, ConfidenceInterval? interval, BootstrapIntervals? intervals) =>
        E("div", E("div", name).WithClass("name"), E("div", Number(value)).WithClass("value"),
            E("div", interval is null ? "" : $"{Level(intervals)} CI {Interval(interval)}").WithClass("ci")).WithClass("card");

    private static string Level(BootstrapIntervals? intervals) =>
        ((intervals?.Level ?? 0.95) * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    public static IEnumerable<XElement> Dataset(DatasetSummary dataset)
    {
        var header = new[] { "split" }.Concat(dataset.ClassNames).Append("total");
        var rows = dataset.CountsPerSplit.Select(split => E("tr",
            E("td", split.Key),
            split.Value.Select(c => NumberCell(Count(c))),
            NumberCell(Count(split.Value.Sum()))));
        yield return E("h2", "Dataset");
        yield return Table(header, rows);
    }

    public static XElement KeyValues(IEnumerable<(string Key, string Value)> pairs) =>
        Table(["setting", "value"], pairs.Select(p => E("tr", E("td", p.Key), E("td", p.Value))));

    public static IEnumerable<XElement> MetricsTable(ClassificationMetrics m, string split)
    {
        var ci = m.ConfidenceIntervals;
        var undefined = UndefinedMetrics.Reasons(m);
        double Defined(string key, double value) => undefined.ContainsKey(key) ? double.NaN : value;
        var rows = new List<(string Name, double Value, ConfidenceInterval? Ci, string MlNet, string Sklearn)>
        {
            ("Accuracy", m.Accuracy, ci?.Accuracy, "MicroAccuracy", "accuracy_score"),
            ("Balanced accuracy", m.BalancedAccuracy, ci?.BalancedAccuracy, "MacroAccuracy", "balanced_accuracy_score"),
            ("ROC-AUC" + (m.IsBinary ? "" : " (one-vs-rest macro)"), m.RocAuc, ci?.RocAuc, "AreaUnderRocCurve", "roc_auc_score"),
            ("PR-AUC (average precision)", Defined("prAuc", m.PrAuc), null, "AreaUnderPrecisionRecallCurve", "average_precision_score"),
            ("Log loss", m.LogLoss, null, "LogLoss", "log_loss"),
            ("Log-loss reduction", m.LogLossReduction, null, "LogLossReduction", ""),
            ("Cohen's kappa", m.CohenKappa, null, "", "cohen_kappa_score"),
            ("Quadratic weighted kappa", m.QuadraticWeightedKappa, null, "", "cohen_kappa_score(weights='quadratic')"),
            ("Expected calibration error", m.ExpectedCalibrationError, null, "", ""),
            ("Macro precision", m.Macro.Precision, null, "", "precision_score(average='macro')"),
            ("Macro recall (sensitivity)", m.Macro.Recall, null, "", "recall_score(average='macro')"),
            ("Macro specificity", m.Macro.Specificity, null, "", ""),
            ("Macro F1", m.Macro.F1, null, "", "f1_score(average='macro')"),
            ("Weighted F1", m.Weighted.F1, null, "", "f1_score(average='weighted')"),
        };
        if (m.IsBinary)
            rows.InsertRange(3,
            [
                ($"Sensitivity (recall of {m.ClassNames[1]})", Defined("sensitivity", m.Sensitivity), undefined.ContainsKey("sensitivity") ? null : ci?.Sensitivity, "PositiveRecall", "recall_score"),
                ("Specificity", Defined("specificity", m.Specificity), undefined.ContainsKey("specificity") ? null : ci?.Specificity, "NegativeRecall", ""),
                ($"Precision of {m.ClassNames[1]} (PPV)", m.PositivePrecision, null, "PositivePrecision", "precision_score"),
                ($"Precision of {m.ClassNames[0]} (NPV)", m.NegativePrecision, null, "NegativePrecision", ""),
                ($"F1 of {m.ClassNames[1]}", m.F1Score, null, "F1Score", "f1_score"),
                ($"Threshold on P({m.ClassNames[1]})", m.Threshold ?? double.NaN, null, "", ""),
            ]);
        yield return E("h2", $"Metrics ({split})");
        yield return Table(["metric", "value", $"{Level(ci)} CI", "ML.NET name", "scikit-learn"],
            rows.Select(r => E("tr", E("td", r.Name), NumberCell(Number(r.Value)), NumberCell(Interval(r.Ci)), E("td", r.MlNet), E("td", r.Sklearn))));
    }

    public static IEnumerable<XElement> PerClassTable(ClassificationMetrics m)
    {
        yield return E("h2", "Per class (one vs rest)");
        yield return Table(["class", "precision", "sensitivity (recall)", "specificity", "F1", "ROC-AUC", "average precision", "support", "predicted"],
            m.PerClass.Select(c => E("tr", E("td", c.Name),
                NumberCell(Number(c.Precision)), NumberCell(Number(c.Recall)), NumberCell(Number(c.Specificity)),
                NumberCell(Number(c.F1)), NumberCell(Number(c.RocAuc)), NumberCell(Number(c.AveragePrecision)),
                NumberCell(Count(c.Support)), NumberCell(Count(c.PredictedCount)))));
    }

    public static IEnumerable<XElement> Examples(IReadOnlyList<MisclassifiedExample> examples)
    {
        yield return E("h2", "Most confidently wrong");
        yield return E("p", "Wrong predictions with the highest probability on the predicted class; with a Grad-CAM overlay where one was given. Look for labelling errors and shortcuts (text markers, borders) here.").WithClass("meta");
        yield return E("div", examples.OrderByDescending(e => e.Confidence).Select(Example)).WithClass("examples");
    }

    private static XElement Example(MisclassifiedExample example)
    {
        string alt = $"true {example.TrueLabel}, predicted {example.PredictedLabel}";
        object images = example.GradCamPng is { } cam
            ? E("div", Image(example.ImagePng, alt), Image(cam, "Grad-CAM: " + alt)).WithClass("pair")
            : Image(example.ImagePng, alt);
        return E("figure", images, E("figcaption",
            E("div", "true: ", E("b", example.TrueLabel)),
            E("div", "predicted: ", E("span", example.PredictedLabel).WithClass("wrong"),
                $" ({(example.Confidence * 100).ToString("0.0", CultureInfo.InvariantCulture)} %)"),
            example.Source is { } source ? E("div", source) : null)).WithClass("example");
    }
}
