using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TransferLearning.ML.Tests.Architecture;

/// <summary>
/// The library's sources compiled with Roslyn, and which of its namespaces each namespace names: every identifier
/// the code writes (a type, a member, an extension method, a fully qualified name) is resolved by the semantic model
/// and counted against the namespace of the type that declares it. The compilation must be free of errors, so an
/// identifier that does not resolve cannot hide an edge.
/// </summary>
internal sealed class LibrarySourceGraph
{
    public const string Root = "TransferLearning.ML";

    private static readonly Lazy<LibrarySourceGraph> s_instance = new(Build);

    private LibrarySourceGraph(CSharpCompilation compilation, IReadOnlyDictionary<(string From, string To), List<string>> edges)
    {
        Compilation = compilation;
        Edges = edges;
    }

    public static LibrarySourceGraph Instance => s_instance.Value;

    public CSharpCompilation Compilation { get; }

    /// <summary>Namespace → namespace, each with where the use is (file:line symbol), first ones first.</summary>
    public IReadOnlyDictionary<(string From, string To), List<string>> Edges { get; }

    public IEnumerable<string> Namespaces => Edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal);

    private static LibrarySourceGraph Build()
    {
        string project = Path.Combine(RepositoryPaths.Root, "src", Root);
        // the library also compiles the build task's ELF reading (buildTransitive/), under this symbol
        var parse = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview)
            .WithPreprocessorSymbols("TRANSFERLEARNING_ML_LIBRARY");
        var trees = Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsUnder(project, f, "obj") && !IsUnder(project, f, "bin"))
            .Concat(GeneratedSources(project))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f))
            .Append(CSharpSyntaxTree.ParseText(
                "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; " +
                "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", parse))
            .ToList();

        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Where(p => !Path.GetFileNameWithoutExtension(p).StartsWith(Root, StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));

        var compilation = CSharpCompilation.Create(Root, trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true,
                nullableContextOptions: NullableContextOptions.Enable));

        var edges = new Dictionary<(string, string), List<string>>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                // the namespace the file declares; names in documentation comments (cref) are not uses
                string? from = DeclaredNamespace(node);
                if (from is null || !InLibrary(from) || node.IsPartOfStructuredTrivia())
                    continue;
                var symbol = model.GetSymbolInfo(node).Symbol;
                string? to = DeclaringNamespace(symbol);
                if (to is null || to == from || !InLibrary(to))
                    continue;
                if (!edges.TryGetValue((from, to), out var uses))
                    edges[(from, to)] = uses = [];
                if (uses.Count < 5)
                    uses.Add($"{Path.GetRelativePath(RepositoryPaths.Root, tree.FilePath)}:{node.GetLocation().GetLineSpan().StartLinePosition.Line + 1} {symbol!.Name}");
            }
        }
        return new LibrarySourceGraph(compilation, edges);
    }

    private static string? DeclaredNamespace(SyntaxNode node) =>
        node.AncestorsAndSelf().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString()
        ?? node.SyntaxTree.GetRoot().DescendantNodes().OfType<FileScopedNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString();

    private static string? DeclaringNamespace(ISymbol? symbol) => symbol switch
    {
        null or INamespaceSymbol => null,
        INamedTypeSymbol type => OutermostType(type).ContainingNamespace?.ToDisplayString(),
        _ when symbol.ContainingType is { } type => OutermostType(type).ContainingNamespace?.ToDisplayString(),
        _ => null,
    };

    private static INamedTypeSymbol OutermostType(INamedTypeSymbol type)
    {
        type = type.OriginalDefinition;
        while (type.ContainingType is { } outer)
            type = outer.OriginalDefinition;
        return type;
    }

    private static bool InLibrary(string ns) => ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal);

    private static bool IsUnder(string project, string file, string folder) =>
        Path.GetRelativePath(project, file).StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    // The protobuf classes Grpc.Tools generates from Onnx/onnx.proto at build time (the newest build's copy).
    private static IEnumerable<string> GeneratedSources(string project) =>
        Directory.Exists(Path.Combine(project, "obj"))
            ? Directory.EnumerateFiles(Path.Combine(project, "obj"), "Onnx.cs", SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc).Take(1)
            : [];
}
