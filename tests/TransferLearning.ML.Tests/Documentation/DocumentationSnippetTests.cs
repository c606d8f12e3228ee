using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace TransferLearning.ML.Tests.Documentation;

/// <summary>
/// Every C# block of README.md and docs/*.md compiles against the library as it is, so the docs cannot rot. A block
/// is compiled on its own as a program with top-level statements, with the implicit usings of an SDK project
/// (System, System.IO, System.Linq, System.Collections.Generic, System.Net.Http, System.Threading(.Tasks)) and its
/// own <c>using</c> lines: a block must name the namespaces it uses and declare the variables it reads.
/// </summary>
public sealed partial class DocumentationSnippetTests
{
    private const string ImplicitUsings =
        "global using System; global using System.IO; global using System.Linq; global using System.Collections.Generic; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in MarkdownFiles())
        {
            int index = 0;
            foreach (Match _ in CSharpBlock().Matches(File.ReadAllText(Path.Combine(RepositoryPaths.Root, file))))
                data.Add(file, index++);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_csharp_block_compiles_against_the_public_api(string file, int index)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, file));
        Match block = CSharpBlock().Matches(text)[index];
        int line = text[..block.Index].Count(c => c == '\n') + 2;
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [
                CSharpSyntaxTree.ParseText(ImplicitUsings, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview)),
                CSharpSyntaxTree.ParseText(block.Groups["code"].Value, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Preview)),
            ],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        Assert.True(errors.Count == 0,
            $"{file}, the C# block starting at line {line}, does not compile:\n" +
            string.Join("\n", errors.Select(e => $"  block line {e.Location.GetLineSpan().StartLinePosition.Line + 1}: {e.Id} {e.GetMessage()}")));
    }

    [Fact]
    public void The_documentation_has_csharp_blocks_to_check()
    {
        Assert.True(Snippets().Count >= 15, $"only {Snippets().Count} C# blocks found in README.md and docs/*.md");
    }

    private static IEnumerable<string> MarkdownFiles() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md")
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f)).Order(StringComparer.Ordinal));

    [GeneratedRegex(@"^```csharp[ \t]*\n(?<code>.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpBlock();
}
