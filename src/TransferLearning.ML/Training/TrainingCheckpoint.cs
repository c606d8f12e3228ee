using System.IO.Compression;
using System.Text.Json;
using TorchSharp.Modules;
using TransferLearning.ML.Runtime;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// The state of a fine-tuning run after a completed epoch: network weights, optimiser state, the best weights so
/// far, the history and the position in the schedule. Written atomically (temporary file, flushed, then renamed
/// over the previous checkpoint), so a process killed at any moment leaves the last complete checkpoint intact.
/// </summary>
internal static class TrainingCheckpoint
{
    public const string FileName = "checkpoint.tlckpt";
    private const int FormatVersion = 1;

    public sealed record State(
        int FormatVersion,
        string RunFingerprint,
        int CompletedEpochs,
        int BestEpoch,
        double BestValue,
        int EpochsWithoutImprovement,
        double PlateauFactor,
        bool Stopped,
        IReadOnlyList<EpochMetrics> History);

    public static void Save(string path, State state, nn.Module network, OptimizerHelper optimizer, byte[]? bestWeights,
        WeightAverage? average = null) =>
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry("state.json", CompressionLevel.Fastest).Open())
                JsonSerializer.Serialize(entry, state with { FormatVersion = FormatVersion });
            using (var entry = zip.CreateEntry("network.bin", CompressionLevel.NoCompression).Open())
                network.save(entry);
            using (var entry = zip.CreateEntry("optimizer.bin", CompressionLevel.NoCompression).Open())
            using (var writer = new BinaryWriter(entry))
                optimizer.save_state_dict(writer);
            if (bestWeights is not null)
                using (var entry = zip.CreateEntry("best.bin", CompressionLevel.NoCompression).Open())
                    entry.Write(bestWeights);
            if (average is not null)
                using (var entry = zip.CreateEntry(AverageEntry, CompressionLevel.NoCompression).Open())
                    average.Write(entry);
        });

    // the phase's weight average (FineTuneOptions.EmaHalfLifeEpochs), written while the phase runs
    private const string AverageEntry = "average.bin";

    /// <summary>Reads only the run state (epochs done, history) of a checkpoint.</summary>
    /// <exception cref="InvalidDataException">The file is damaged or from another run.</exception>
    public static State Peek(string path, string runFingerprint)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return ReadState(zip, runFingerprint);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException or ArgumentException)
        {
            throw new InvalidDataException($"The checkpoint {path} cannot be resumed: {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>Reads a checkpoint into <paramref name="network"/> and, when given, <paramref name="optimizer"/> and
    /// <paramref name="average"/> (which keeps its starting values where the checkpoint holds no average).</summary>
    /// <exception cref="InvalidDataException">The file is damaged or from another run; the message says what to do.</exception>
    public static State Load(string path, string runFingerprint, nn.Module network, OptimizerHelper? optimizer, WeightAverage? average,
        out byte[]? bestWeights)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            State state = ReadState(zip, runFingerprint);
            using (var entry = Open(zip, "network.bin"))
            using (var buffered = Buffer(entry))
                network.load(buffered);
            if (optimizer is not null)
                using (var entry = Open(zip, "optimizer.bin"))
                using (var buffered = Buffer(entry))
                using (var reader = new BinaryReader(buffered))
                    optimizer.load_state_dict(reader);
            if (average is not null && zip.GetEntry(AverageEntry) is { } averaged)
                using (var entry = averaged.Open())
                using (var buffered = Buffer(entry))
                    average.Read(buffered);
            var best = zip.GetEntry("best.bin");
            bestWeights = null;
            if (best is not null)
            {
                using var entry = best.Open();
                using var buffered = Buffer(entry);
                bestWeights = ((MemoryStream)buffered).ToArray();
            }
            return state;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or JsonException or ArgumentException)
        {
            throw new InvalidDataException($"The checkpoint {path} cannot be resumed: {e.Message.TrimEnd('.')}.", e);
        }
    }

    private static State ReadState(ZipArchive zip, string runFingerprint)
    {
        State state;
        using (var entry = Open(zip, "state.json"))
            state = JsonSerializer.Deserialize<State>(entry) ?? throw new InvalidDataException("empty state");
        if (state.FormatVersion != FormatVersion)
            throw new InvalidDataException($"checkpoint format {state.FormatVersion}, this library reads {FormatVersion}");
        if (state.RunFingerprint != runFingerprint)
            throw new InvalidDataException(
                "it belongs to a run with other data, backbone or options; delete it or use another checkpoint folder to start afresh");
        return state;
    }

    private static Stream Open(ZipArchive zip, string name) =>
        (zip.GetEntry(name) ?? throw new InvalidDataException($"entry '{name}' is missing")).Open();

    // TorchSharp's loader seeks; zip entry streams do not
    private static Stream Buffer(Stream source)
    {
        var memory = new MemoryStream();
        source.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    /// <summary>The module's weights as bytes (for keeping the best epoch in memory).</summary>
    public static byte[] Snapshot(nn.Module network)
    {
        using var memory = new MemoryStream();
        network.save(memory);
        return memory.ToArray();
    }

    /// <summary>Loads weights taken by <see cref="Snapshot"/>.</summary>
    public static void Restore(nn.Module network, byte[] snapshot)
    {
        using var memory = new MemoryStream(snapshot);
        network.load(memory);
    }
}
