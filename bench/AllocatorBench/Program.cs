// Measures what the library's glibc allocator tuning (Runtime/NativeAllocator) does for libtorch: the same
// MobileNetV2-shaped forward pass (inverted-residual blocks, batch 32, 224×224, 2 threads) in child processes with
// the tuning on and off, interleaved, and prints images/s and the ratio.
//
//   dotnet run -c Release --project bench/AllocatorBench [-- --rounds 3 --batches 6]
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

int rounds = ArgValue("--rounds", 2), batches = ArgValue("--batches", 5), batchSize = ArgValue("--batch", 32);

if (args.Contains("--child"))
{
    if (args.Contains("--untuned")) AppContext.SetSwitch("TransferLearning.ML.DisableAllocatorTuning", true);
    string applied = ApplyLibraryInitialisation();
    double imagesPerSecond = MobileNetShapedForward(batchSize, batches);
    Console.WriteLine(FormattableString.Invariant($"RESULT {imagesPerSecond:F2} {applied}"));
    return 0;
}

var results = new Dictionary<string, List<double>> { ["tuned"] = [], ["untuned"] = [] };
for (int round = 0; round < rounds; round++)
    foreach (string mode in new[] { "tuned", "untuned" })
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, $"--child --{mode} --batches {batches} --batch {batchSize}")
        { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment.Remove("MALLOC_MMAP_MAX_");
        info.Environment.Remove("MALLOC_TRIM_THRESHOLD_");
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string line = output.Split('\n').First(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        double value = double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
        results[mode].Add(value);
        Console.WriteLine($"round {round + 1} {mode,-8} {value,8:F1} img/s   ({line[(line.IndexOf(' ', 7) + 1)..]})");
    }

double tuned = results["tuned"].Max(), untuned = results["untuned"].Max();
Console.WriteLine();
Console.WriteLine($"MobileNetV2-shaped forward, batch {batchSize}, 224x224, {torch.get_num_threads()} threads (best of {rounds}):");
Console.WriteLine($"  allocator tuned   {tuned,8:F1} img/s");
Console.WriteLine($"  allocator default {untuned,8:F1} img/s");
Console.WriteLine($"  ratio tuned/default {tuned / untuned:F2}x");
return 0;

int ArgValue(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

[MethodImpl(MethodImplOptions.NoInlining)]
static string ApplyLibraryInitialisation() => TransferLearning.ML.Runtime.NativeAllocator.EnsureApplied().Description;

static double MobileNetShapedForward(int batch, int batches)
{
    random.manual_seed(1);
    // (expansion, output channels, repeats, stride) as in MobileNetV2
    (int t, int c, int n, int s)[] settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];
    var layers = new List<Func<Tensor, Tensor>>();
    Tensor Weight(long o, long i, long k) => (randn(o, i, k, k) * Math.Sqrt(2.0 / (i * k * k))).DetachFromDisposeScope();
    var stem = Weight(32, 3, 3);
    layers.Add(x => nn.functional.relu6(nn.functional.conv2d(x, stem, strides: [2, 2], padding: [1, 1])));
    long input = 32;
    foreach (var (t, c, n, s) in settings)
        for (int i = 0; i < n; i++)
        {
            long hidden = input * t;
            var expand = Weight(hidden, input, 1);
            var depthwise = Weight(hidden, 1, 3);
            var project = Weight(c, hidden, 1);
            long stride = i == 0 ? s : 1, inChannels = input;
            layers.Add(x =>
            {
                var h = t == 1 ? x : nn.functional.relu6(nn.functional.conv2d(x, expand));
                h = nn.functional.relu6(nn.functional.conv2d(h, depthwise, strides: [stride, stride], padding: [1, 1], groups: hidden));
                var y = nn.functional.conv2d(h, project);
                return stride == 1 && inChannels == c ? y + x : y;
            });
            input = c;
        }
    var last = Weight(1280, 320, 1);
    layers.Add(x => nn.functional.relu6(nn.functional.conv2d(x, last)).mean([2L, 3L]));

    using var images = randn(batch, 3, 224, 224);
    double Run()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var x = images;
        foreach (var layer in layers) x = layer(x);
        return x.sum().item<float>();
    }
    Run(); // warm-up
    var watch = Stopwatch.StartNew();
    for (int i = 0; i < batches; i++) Run();
    return batch * batches / watch.Elapsed.TotalSeconds;
}
