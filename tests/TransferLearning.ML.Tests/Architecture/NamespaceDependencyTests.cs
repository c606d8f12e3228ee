using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace TransferLearning.ML.Tests.Architecture;

/// <summary>
/// The library's namespaces depend one way. The layers and what each may use are the table under "## Layers" in
/// docs/architecture.md; these tests read that table, so the document and the code cannot drift apart. A use is any
/// name the code writes that resolves to a type or member of another library namespace (see
/// <see cref="LibrarySourceGraph"/>).
/// </summary>
public sealed partial class NamespaceDependencyTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, string[]>> s_layers = new(ReadLayerTable);

    [Fact]
    public void The_library_sources_compile_without_errors_so_every_name_resolves()
    {
        // CS8795: a [GeneratedRegex] partial method, whose body the regex source generator writes at build time
        var errors = LibrarySourceGraph.Instance.Compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795").Take(20).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void The_graph_has_the_uses_it_is_built_to_find()
    {
        // guards the analysis itself: a use through a using directive, a fully qualified name and an extension method
        var edges = LibrarySourceGraph.Instance.Edges;
        Assert.Contains(("TransferLearning.ML.Training", "TransferLearning.ML.Onnx.Module"), edges.Keys);
        Assert.Contains(("TransferLearning.ML", "TransferLearning.ML.Runtime"), edges.Keys);          // Runtime.NativeAllocator
        Assert.Contains(("TransferLearning.ML.Reporting", "TransferLearning.ML.Interpretability"), edges.Keys); // model.CreateGradCam()
        Assert.True(edges.Count >= 40, $"only {edges.Count} edges found");
    }

    [Fact]
    public void Every_namespace_has_a_row_in_the_layer_table()
    {
        var missing = LibrarySourceGraph.Instance.Namespaces.Where(ns => LayerOf(ns) is null).ToList();
        Assert.True(missing.Count == 0,
            $"docs/architecture.md's layer table has no row for {string.Join(", ", missing)}: add one that says what it may use.");
    }

    [Fact]
    public void The_layer_table_itself_has_no_cycle()
    {
        var layers = s_layers.Value;
        foreach (var (layer, uses) in layers)
            foreach (var used in uses)
                Assert.True(layers.ContainsKey(used), $"docs/architecture.md: the row of {layer} names {used}, which has no row of its own");
        Assert.Null(FindCycle(layers.Keys, layer => layers[layer]));
    }

    [Fact]
    public void Every_use_between_layers_is_one_the_layer_table_allows()
    {
        var layers = s_layers.Value;
        var violations = new List<string>();
        foreach (var ((from, to), uses) in LibrarySourceGraph.Instance.Edges.OrderBy(e => e.Key.From).ThenBy(e => e.Key.To))
        {
            string? a = LayerOf(from), b = LayerOf(to);
            if (a is null || b is null || a == b || layers[a].Contains(b))
                continue;
            violations.Add($"{Short(from)} uses {Short(to)}, which its layer {a} may not use: {string.Join("; ", uses)}");
        }
        Assert.True(violations.Count == 0, "Back-edges or undeclared uses (move the code, or change docs/architecture.md's table if the " +
                                           "layering itself should change):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void No_two_namespaces_depend_on_each_other_even_within_a_layer()
    {
        var edges = LibrarySourceGraph.Instance.Edges.Keys.ToLookup(e => e.From, e => e.To);
        string? cycle = FindCycle(LibrarySourceGraph.Instance.Namespaces, ns => edges[ns]);
        Assert.True(cycle is null, $"namespace cycle: {cycle}");
    }

    // The row of a namespace: its own, else the row of the nearest enclosing namespace (not the root's, which covers
    // only the root namespace itself, so that a new top-level namespace must be placed in the table).
    private static string? LayerOf(string ns)
    {
        string name = Short(ns);
        var layers = s_layers.Value;
        if (layers.ContainsKey(name)) return name;
        for (int dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.'))
        {
            name = name[..dot];
            if (layers.ContainsKey(name)) return name;
        }
        return null;
    }

    private static string Short(string ns) => ns == LibrarySourceGraph.Root ? ns : ns[(LibrarySourceGraph.Root.Length + 1)..];

    private static string? FindCycle(IEnumerable<string> nodes, Func<string, IEnumerable<string>> next)
    {
        var state = new Dictionary<string, int>();   // 1: on the path, 2: done
        var path = new List<string>();
        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var n in next(node))
            {
                if (state.GetValueOrDefault(n) == 1)
                    return string.Join(" -> ", path.SkipWhile(p => p != n).Append(n).Select(Short));
                if (state.GetValueOrDefault(n) == 0 && Visit(n) is { } found)
                    return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in nodes)
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
                return cycle;
        return null;
    }

    private static IReadOnlyDictionary<string, string[]> ReadLayerTable()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "architecture.md"));
        var section = LayersSection().Match(text);
        Assert.True(section.Success, "docs/architecture.md has no '## Layers' section");
        var layers = new Dictionary<string, string[]>();
        foreach (Match row in TableRow().Matches(section.Groups["body"].Value))
        {
            var names = Code().Matches(row.Groups["layer"].Value).Select(m => m.Groups[1].Value).ToList();
            var uses = Code().Matches(row.Groups["uses"].Value).Select(m => m.Groups[1].Value).ToArray();
            foreach (var name in names) layers[name] = uses;
        }
        Assert.True(layers.Count >= 10, $"docs/architecture.md's layer table has only {layers.Count} rows");
        return layers;
    }

    [GeneratedRegex(@"^## Layers\s*\n(?<body>.*?)(?=^## |\z)", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex LayersSection();

    [GeneratedRegex(@"^\|(?<layer>[^|\n]*`[^|\n]*)\|(?<uses>[^|\n]*)\|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"`([\w.]+)`")]
    private static partial Regex Code();
}
