namespace TransferLearning.ML.Reporting;

/// <summary>The report's inline stylesheet. It avoids '&lt;', '&gt;' and '&amp;' so it stays valid both as HTML raw text and as XML.</summary>
internal static class ReportStyle
{
    public const string Css = """
        body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2733; background: #f4f6f9; margin: 0; }
        main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
        h1 { font-size: 26px; margin: 8px 0 4px; }
        h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #dde3ea; }
        p.meta { color: #5b6775; margin: 0 0 16px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; }
        .card { flex: 1 1 150px; border: 1px solid #dde3ea; border-radius: 8px; padding: 10px 14px; background: #f8fafc; }
        .card .name { font-size: 13px; color: #5b6775; }
        .card .value { font-size: 24px; font-weight: bold; }
        .card .ci { font-size: 12px; color: #5b6775; }
        table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
        th, td { border: 1px solid #dde3ea; padding: 4px 10px; text-align: left; }
        th { background: #eef2f6; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tbody tr:nth-child(even) { background: #f8fafc; }
        .figures { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; }
        figure img { max-width: 100%; border: 1px solid #dde3ea; }
        figcaption { font-size: 13px; color: #5b6775; margin-top: 4px; }
        .half { flex: 1 1 540px; }
        .examples { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
        .example { border: 1px solid #dde3ea; border-radius: 8px; padding: 8px; background: #f8fafc; }
        .example .pair { display: flex; gap: 6px; }
        .example img { width: 50%; max-width: 224px; }
        .wrong { color: #b42318; font-weight: bold; }
        footer { margin-top: 40px; font-size: 12px; color: #8a96a3; }
        """;
}
