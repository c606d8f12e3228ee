using System.IO.Compression;
using System.Text.Json.Nodes;
using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Training;

namespace TransferLearning.ML.Tests.Models;

public sealed class ModelFileTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>, IDisposable
{
    private readonly string _folder = TrainingData.TemporaryDirectory("model-files");

    private string SavedModel()
    {
        string path = Path.Combine(_folder, "model.tlmodel");
        fixture.Model.Save(path);
        return path;
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void Save_then_Load_predicts_bit_identical_probabilities_and_keeps_the_metadata()
    {
        using var loaded = TransferModel.Load(SavedModel());

        foreach (string image in fixture.Images)
            Assert.Equal(fixture.Model.Predict(image).Probabilities.ToArray(), loaded.Predict(image).Probabilities.ToArray());
        Assert.Equal(fixture.Model.ClassNames, loaded.ClassNames);
        Assert.Equal((fixture.Model.Preprocessing.Width, fixture.Model.Preprocessing.Height), (loaded.Preprocessing.Width, loaded.Preprocessing.Height));
        Assert.Equal(fixture.Model.Preprocessing.Normalization.Std, loaded.Preprocessing.Normalization.Std);
        Assert.Equal(fixture.Model.DecisionThreshold, loaded.DecisionThreshold);
        Assert.Equal(fixture.Model.ValidationScores, loaded.ValidationScores);
        Assert.Equal(fixture.Model.TestScores, loaded.TestScores);
        Assert.NotNull(loaded.TestScores?.Accuracy);
        Assert.Equal(fixture.Model.Mode, loaded.Mode);
        Assert.Equal(fixture.Model.ThresholdPolicy, loaded.ThresholdPolicy);
        Assert.Equal(fixture.Model.ToOnnxBytes(), loaded.ToOnnxBytes());
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_file_with_bytes_flipped_in_the_middle_is_reported_as_damaged()
    {
        string path = SavedModel();
        byte[] bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 64; i++) bytes[i] ^= 0xA5;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ModelFileException>(() => TransferModel.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Matches("damaged|not a readable model file", error.Message);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_file_cut_in_half_is_reported_as_truncated_or_damaged()
    {
        string path = SavedModel();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<ModelFileException>(() => TransferModel.Load(path));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("save the model again", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_reported_as_not_a_model_file()
    {
        string path = Path.Combine(_folder, "notes.tlmodel");
        File.WriteAllText(path, "these are notes, not a model");

        var error = Assert.Throws<ModelFileException>(() => TransferModel.Load(path));
        Assert.Contains("not a readable model file", error.Message);
    }

    [Fact]
    public void A_zip_without_entries_is_reported_as_not_a_TransferLearning_model()
    {
        string path = Path.Combine(_folder, "empty.tlmodel");
        using (ZipFile.Open(path, ZipArchiveMode.Create)) { }

        var error = Assert.Throws<ModelFileException>(() => TransferModel.Load(path));
        Assert.Contains("not a TransferLearning.ML model", error.Message);
        Assert.Contains("manifest.json", error.Message);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_file_from_a_newer_format_asks_to_update_the_package()
    {
        string path = SavedModel();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("manifest.json")!;
            JsonNode manifest;
            using (var stream = entry.Open()) manifest = JsonNode.Parse(stream)!;
            manifest["FormatVersion"] = 99;
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
            writer.Write(manifest.ToJsonString());
        }

        var error = Assert.Throws<ModelFileException>(() => TransferModel.Load(path));
        Assert.Contains("model format 99", error.Message);
        Assert.Contains("Update the TransferLearning.ML package", error.Message);
    }

    [SharedFact(TrainingData.MobileNet, TrainingData.Kermany)]
    public void A_save_that_fails_midway_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        string path = SavedModel();
        byte[] before = File.ReadAllBytes(path);

        var error = Assert.Throws<IOException>(() => fixture.Model.Save(path, stream => new FailingStream(stream, failAfterBytes: 100_000)));

        Assert.Equal(FailingStream.Message, error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        using var loaded = TransferModel.Load(path);
        Assert.Equal(fixture.Model.ClassNames, loaded.ClassNames);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Passes writes through until a byte budget is spent, then fails like a full disk.</summary>
    private sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
    {
        public const string Message = "simulated failure: no space left on device";
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = failAfterBytes - _written;
            if (room < buffer.Length)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                _written = failAfterBytes;
                throw new IOException(Message);
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }
    }
}
