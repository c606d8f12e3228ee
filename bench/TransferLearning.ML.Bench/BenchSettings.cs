using System.Globalization;

namespace TransferLearning.ML.Bench;

/// <summary>The command line: <c>[--quick] [--test-root DIR] [--datasets a,b] [--out DIR] [--shared DIR]
/// [--pytorch-script FILE] [--python PATH] [--sections a,b] [--max-per-class N] [--feature-cache DIR]</c>.</summary>
internal sealed record BenchSettings
{
    public static readonly string[] AllDatasets = ["kermany-cxr", "kidney-ct", "pneumoniamnist", "retinamnist", "breastmnist"];
    public static readonly string[] AllSections = ["features", "finetune", "cache", "loader", "predict", "accuracy", "heads"];

    /// <summary>Sections run only when named in <c>--sections</c>: <c>ensemble</c> (MobileNetV2 + ResNet18, EnsembleSection) and
    /// <c>levers</c> (recipe levers by cross-validation, LeverSection: hours on the larger sets).</summary>
    public static readonly string[] OptionalSections = ["ensemble", "levers"];

    public bool Quick { get; init; }
    public string? TestRoot { get; init; }
    public IReadOnlyList<string> Datasets { get; init; } = AllDatasets;
    public IReadOnlyList<string> Sections { get; init; } = AllSections;
    public string OutputDirectory { get; init; } = "bench";
    public string Shared { get; init; } = "";
    public string? PyTorchScript { get; init; }
    public string Python { get; init; } = "/usr/bin/python3";
    public int Threads { get; init; } = 2;
    public string CommandLine { get; init; } = "";

    /// <summary>Section <c>heads</c>: at most this many training images per class (seeded choice). Default: all.</summary>
    public int? MaxPerClass { get; init; }

    /// <summary>Section <c>heads</c>: a feature-cache folder kept between runs. Default: a fresh temporary one per dataset.</summary>
    public string? FeatureCache { get; init; }

    /// <summary>The checkout's root (the folder with TransferLearning.ML.sln).</summary>
    public string RepositoryRoot => FindRoot();

    /// <summary>Section <c>loader</c>: fine-tune epochs of the peak-memory run. Default: 1.</summary>
    public int MemoryEpochs { get; init; } = 1;

    /// <summary>Section <c>loader</c>: the peak-memory run's <c>ImageLoadingOptions.DecodedCacheBytes</c>. Default: the learner's default (0).</summary>
    public long? DecodedCacheBytes { get; init; }

    /// <summary>Section <c>levers</c>: folds of the cross-validation. Default: 3 (2 with --quick).</summary>
    public int? Folds { get; init; }

    /// <summary>Section <c>levers</c>: the levers to measure, the first being the baseline. Default: default, label-smoothing, augment-radiograph, youden.</summary>
    public IReadOnlyList<string>? Levers { get; init; }

    /// <summary>Section <c>finetune</c>: interleaved rounds of the MobileNetV2 peers. Default: 3 (1 with --quick).</summary>
    public int? FineTuneRounds { get; init; }

    /// <summary>Section <c>finetune</c>: the backbones timed, of mobilenetv2 (section 2), resnet18 and vgg16 (2b). Default: all.</summary>
    public IReadOnlyList<string> FineTuneBackbones { get; init; } = ["mobilenetv2", "resnet18", "vgg16"];

    /// <summary>Section <c>finetune</c>: also time the split with other (libtorch, ONNX Runtime) threads: pipelined (2, 2), (1, 2), unpipelined (1, 1).</summary>
    public bool PipelineSweep { get; init; }

    /// <summary>When set, the process is a child that only runs the fine-tune whose peak memory is measured.</summary>
    public string? MemoryChild { get; init; }

    public string Model(params string[] parts) => Path.Combine([Shared, "models", .. parts]);

    public string Dataset(string name, string split) => Path.Combine(Shared, "datasets", name, split);

    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings { CommandLine = Environment.GetEnvironmentVariable("TL_BENCH_COMMAND")
            ?? "dotnet run -c Release --project bench/TransferLearning.ML.Bench -- " + string.Join(' ', args) };
        string? shared = Environment.GetEnvironmentVariable("TL_SHARED_DIR");
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            string option = args[i]; // Value() moves i on to the option's value
            settings = option switch
            {
                "--quick" => settings with { Quick = true },
                "--pipeline-sweep" => settings with { PipelineSweep = true },
                "--finetune-rounds" => settings with { FineTuneRounds = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--finetune-backbones" => settings with { FineTuneBackbones = List(Value()) },
                "--test-root" => settings with { TestRoot = Path.GetFullPath(Value()) },
                "--datasets" => settings with { Datasets = List(Value()) },
                "--sections" => settings with { Sections = List(Value()) },
                "--out" => settings with { OutputDirectory = Value() },
                "--pytorch-script" => settings with { PyTorchScript = Path.GetFullPath(Value()) },
                "--python" => settings with { Python = Value() },
                "--threads" => settings with { Threads = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--memory-child" => settings with { MemoryChild = Value() },
                "--shared" => settings with { Shared = Value() },
                "--max-per-class" => settings with { MaxPerClass = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--feature-cache" => settings with { FeatureCache = Path.GetFullPath(Value()) },
                "--memory-epochs" => settings with { MemoryEpochs = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--folds" => settings with { Folds = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--levers" => settings with { Levers = List(Value()) },
                "--decoded-cache-bytes" => settings with { DecodedCacheBytes = long.Parse(Value(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {option}. Options: --quick --test-root DIR --datasets a,b --sections " +
                                                 $"{string.Join(',', AllSections.Concat(OptionalSections))} --out DIR --shared DIR --pytorch-script FILE --python PATH --threads N --max-per-class N --feature-cache DIR --memory-epochs N --decoded-cache-bytes N --folds N --levers a,b --pipeline-sweep --finetune-rounds N --finetune-backbones a,b"),
            };
            if (option == "--shared") shared = settings.Shared;
        }
        foreach (string d in settings.Datasets)
            if (!AllDatasets.Contains(d)) throw new ArgumentException($"Unknown dataset '{d}'; known: {string.Join(", ", AllDatasets)}.");
        foreach (string s in settings.Sections)
            if (!AllSections.Contains(s) && !OptionalSections.Contains(s))
                throw new ArgumentException($"Unknown section '{s}'; known: {string.Join(", ", AllSections.Concat(OptionalSections))}.");
        return settings with { Shared = Path.GetFullPath(shared ?? DefaultShared()) };
    }

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string DefaultShared() => Path.Combine(FindRoot(), "..", "shared");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TransferLearning.ML.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("The checkout (TransferLearning.ML.sln) is not above the bench's folder: pass --shared DIR or set TL_SHARED_DIR.");
    }
}
