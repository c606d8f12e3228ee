using System.CommandLine;
using Spectre.Console;
using TransferLearning.ML.Backbones;

namespace TransferLearning.ML.Cli.Commands;

/// <summary><c>tl backbones</c>: the catalog and what is cached locally.</summary>
internal static class BackbonesCommand
{
    public static Command Create()
    {
        var command = new Command("backbones", "List the backbone catalog and which weights are cached locally.");
        command.SetAction(_ =>
        {
            var store = new WeightStore();
            var table = new Table().AddColumn("name").AddColumn("input").AddColumn("features").AddColumn("cached").AddColumn("source");
            foreach (var b in BackboneCatalog.All)
                table.AddRow(b.Name, $"{b.InputSize}x{b.InputSize}", b.FeatureWidth.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    store.IsCached(b) ? "[green]yes[/]" : "no",
                    Markup.Escape(b.Download?.ToString() ?? "export it yourself (docs/onnx-backbones.md)"));
            AnsiConsole.Write(table);
            Console.WriteLine($"cache: {new WeightStoreOptions().CacheDirectory}");
            Console.WriteLine("Any other ONNX CNN works too: pass --weights model.onnx.");
            return ExitCodes.Success;
        });
        return command;
    }
}
