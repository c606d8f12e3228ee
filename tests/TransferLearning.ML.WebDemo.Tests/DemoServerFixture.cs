using Microsoft.AspNetCore.Builder;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Models;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.WebDemo.Tests;

/// <summary>
/// One small model and one running demo for the whole "demo server" collection: trained (frozen MobileNetV2 features,
/// 20 chest X-rays per class) and started on a free loopback port the first time a test asks, so tests skipped for
/// lack of ../shared never train.
/// </summary>
public sealed class DemoServerFixture : IAsyncLifetime
{
    public const string MobileNet = "models/mobilenetv2-imagenet.onnx";
    public const string Kermany = "datasets/kermany-cxr/train";

    /// <summary>The demo's upload limit in these tests: small, so the over-limit test sends little.</summary>
    public const long MaxUploadBytes = 1024 * 1024;

    private readonly string _folder = Directory.CreateTempSubdirectory("tl-webdemo-").FullName;
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private RunningDemo? _demo;

    /// <summary>The trained model, its file, and the app serving it.</summary>
    public sealed record RunningDemo(string ModelPath, TransferModel Model, WebApplication App, Uri BaseAddress);

    public async Task<RunningDemo> GetAsync()
    {
        await _startLock.WaitAsync();
        try
        {
            return _demo ??= await StartAsync();
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>A chest X-ray the model was not trained on.</summary>
    public static string UnseenXray() =>
        Directory.GetFiles(RepositoryPaths.SharedDataset("kermany-cxr", "train", "PNEUMONIA")).Order(StringComparer.Ordinal).Last();

    /// <summary>A folder for this collection's files, deleted afterwards.</summary>
    public string Folder => _folder;

    private async Task<RunningDemo> StartAsync()
    {
        string modelPath = Path.Combine(_folder, "cxr.tlmodel");
        var images = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = 20 });
        var result = TransferLearner.For(Backbone.FromOnnx(RepositoryPaths.SharedModel("mobilenetv2-imagenet.onnx")))
            .WithImages(images)
            .Split(validation: 0.25, test: 0, seed: 7)
            .WithBootstrap(0)
            .ExtractFeatures(new FeatureExtractionOptions { Epochs = 15, CacheDirectory = Path.Combine(_folder, "features") })
            .Fit();
        result.Model.Save(modelPath);
        result.Model.Dispose();

        var app = WebDemoApplication.Create([
            "--model", modelPath,
            "--urls", "http://127.0.0.1:0",
            "--max-upload-mb", (MaxUploadBytes / (1024.0 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default=Warning",
        ]);
        await WebDemoApplication.StartAsync(app);
        // the model as a library user loads it, to compare the demo's answers with
        return new RunningDemo(modelPath, TransferModel.Load(modelPath), app, new Uri(app.Urls.Single()));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_demo is not null)
        {
            await _demo.App.StopAsync();
            await _demo.App.DisposeAsync();
            _demo.Model.Dispose();
        }
        _startLock.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>The tests that share <see cref="DemoServerFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DemoServerCollection : ICollectionFixture<DemoServerFixture>
{
    public const string Name = "demo server";
}
