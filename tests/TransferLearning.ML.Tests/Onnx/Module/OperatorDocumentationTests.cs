using TransferLearning.ML.Onnx.Module.Ops;

namespace TransferLearning.ML.Tests.Onnx.Module;

/// <summary>docs/onnx-module.md's operator table is the registry: every op, its opsets, attributes, types and refusals.</summary>
public sealed class OperatorDocumentationTests
{
    private const string Start = "<!-- operator-table:start -->", End = "<!-- operator-table:end -->";

    /// <summary>The table row the documentation must have for one operator, from its <see cref="OperatorSpec"/>.</summary>
    private static string Row(string domain, string op, OperatorSpec spec)
    {
        string name = domain.Length == 0 ? op : $"{domain}.{op}";
        string opsets = domain.Length == 0 ? $"{spec.MinOpset}–{OperatorRegistry.MaxDefaultOpset}" : $"{domain} {OperatorRegistry.MicrosoftOpset}";
        string attributes = spec.Attributes.Length == 0 ? "—" : string.Join(", ", spec.Attributes.Select(a => $"`{a}`"));
        return $"| `{name}` | {opsets} | {attributes} | {spec.Dtypes} | {spec.Refuses} |";
    }

    private static List<string> ExpectedRows() => OperatorRegistry.Default.Operators
        .Select(o => Row(o.Domain, o.OpType, OperatorRegistry.SpecOf(o.Domain, o.OpType))).ToList();

    private static List<string> DocumentedRows()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "onnx-module.md"));
        int start = text.IndexOf(Start, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/onnx-module.md has no {Start} ... {End} section");
        return text[(start + Start.Length)..end].Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void The_table_lists_exactly_the_registered_operators()
    {
        static string Op(string row) => row.Split('|')[1].Trim().Trim('`');
        Assert.Equal(ExpectedRows().Select(Op).Order(), DocumentedRows().Select(Op).Order());
    }

    [Fact]
    public void Each_row_states_the_opsets_attributes_types_and_refusals_the_code_declares()
    {
        List<string> expected = ExpectedRows(), documented = DocumentedRows();
        if (Environment.GetEnvironmentVariable("TL_PRINT_OPERATOR_TABLE") is { Length: > 0 } path)
            File.WriteAllLines(path, expected);
        var missing = expected.Except(documented).ToList();
        Assert.True(missing.Count == 0, "rows docs/onnx-module.md should have (set TL_PRINT_OPERATOR_TABLE=file to write them):\n" + string.Join("\n", missing));
        Assert.Empty(documented.Except(expected));
    }
}
