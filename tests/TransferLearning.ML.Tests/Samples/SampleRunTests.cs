using TransferLearning.ML.Samples;

namespace TransferLearning.ML.Tests.Samples;

/// <summary>Every study sample runs end to end on a few images per class with the MobileNetV2 weights in ../shared.</summary>
[Collection(Training.TrainingCollection.Name)]
public sealed class SampleRunTests : IDisposable
{
    private const string MobileNet = "models/mobilenetv2-imagenet.onnx";
    private readonly string _out = Directory.CreateTempSubdirectory("tl-sample-").FullName;
    private readonly string _featureCache = Directory.CreateTempSubdirectory("tl-sample-features-").FullName;

    public SampleRunTests() => Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", _featureCache);

    private string[] Arguments(string data, int perClass = 8) =>
    [
        "--weights", RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx"), "--data", RepositoryPaths.SharedDataset(data),
        "--epochs", "1", "--max-per-class", perClass.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", _out,
    ];

    private void AssertRunWrote(string folder = "")
    {
        string directory = Path.Combine(_out, folder);
        Assert.True(File.Exists(Path.Combine(directory, "model.tlmodel")), $"no model in {directory}");
        Assert.True(File.Exists(Path.Combine(directory, "report.html")), $"no report in {directory}");
        Assert.Contains("\"accuracy\"", File.ReadAllText(Path.Combine(directory, "metrics.json")));
    }

    [SharedFact(MobileNet, "datasets/kermany-cxr/train")]
    public void Quickstart_trains_evaluates_and_writes_its_report()
    {
        Assert.Equal(0, QuickstartRun.Run(Arguments("kermany-cxr/train", perClass: 12)));
        AssertRunWrote();
    }

    [SharedFact(MobileNet, "datasets/kidney-ct/train")]
    public void KidneyStone_sample_runs_end_to_end_on_stone_vs_normal()
    {
        Assert.Equal(0, KidneyStoneStudy.Run(Arguments("kidney-ct/train")));
        AssertRunWrote();
        using var model = TransferLearning.ML.Models.TransferModel.Load(Path.Combine(_out, "model.tlmodel"));
        Assert.Equal(["Normal", "Stone"], model.ClassNames);
    }

    [SharedFact(MobileNet, "datasets/kermany-cxr/train")]
    public void CovidXray_sample_runs_its_six_steps()
    {
        Assert.Equal(0, CovidXrayStudy.Run(Arguments("kermany-cxr/train")));
        AssertRunWrote();
    }

    [SharedFact(MobileNet, "datasets/kermany-cxr/train")]
    public void Pneumonia_sample_trains_the_studys_head()
    {
        Assert.Equal(0, PneumoniaStudy.Run(Arguments("kermany-cxr/train")));
        AssertRunWrote();
    }

    [SharedFact(MobileNet, "datasets/retinamnist")]
    public void DiabeticRetinopathy_sample_compares_scratch_frozen_and_fine_tuned()
    {
        Assert.Equal(0, DiabeticRetinopathyStudy.Run(Arguments("retinamnist", perClass: 6)));
        foreach (string mode in new[] { "scratch", "features", "finetune" }) AssertRunWrote(mode);
    }

    [SharedFact(MobileNet, "datasets/kermany-cxr/train")]
    public void Backbone_comparison_trains_both_backbones_on_the_same_split()
    {
        string weights = RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx");
        Assert.Equal(0, BackboneComparison.Run([.. Arguments("kermany-cxr/train", perClass: 6), "--weights2", weights]));
        Assert.Equal(2, Directory.GetDirectories(_out, "backbone*").Length);
    }

    [Fact]
    public void A_missing_data_folder_is_reported_with_what_to_pass()
    {
        using var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(2, PneumoniaStudy.Run(["--data", Path.Combine(_out, "absent"), "--weights", Path.Combine(_out, "absent.onnx")]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("--data", error.ToString());
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TL_FEATURE_CACHE", null);
        Directory.Delete(_out, recursive: true);
        Directory.Delete(_featureCache, recursive: true);
    }
}
