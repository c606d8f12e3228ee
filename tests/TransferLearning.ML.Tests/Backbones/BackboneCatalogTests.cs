using System.Reflection;
using System.Text.RegularExpressions;
using TransferLearning.ML.Backbones;
using TransferLearning.ML.Data;
using TransferLearning.ML.Onnx;

namespace TransferLearning.ML.Tests.Backbones;

public sealed partial class BackboneCatalogTests : IDisposable
{
    private const string ZooBase = "https://github.com/onnx/models/raw/main/validated/vision/classification/";
    private readonly string _cache = Directory.CreateTempSubdirectory("tl-catalog-").FullName;

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    [Fact]
    public void Every_entry_with_a_download_pins_a_64_hex_sha256_and_a_positive_size()
    {
        var downloads = BackboneCatalog.All.Where(d => d.Download is not null).ToList();

        Assert.Equal(18, downloads.Count); // every ONNX Model Zoo file of shared/models/CATALOG.md
        foreach (var d in downloads)
        {
            Assert.Matches(Sha256Hex(), d.Sha256!);
            Assert.True(d.SizeBytes > 0, d.Name);
            Assert.StartsWith(ZooBase, d.Download!.ToString(), StringComparison.Ordinal);
            Assert.Equal(Path.GetFileName(d.Download.AbsolutePath), d.FileName);
        }
        Assert.Equal(BackboneCatalog.All.Count, BackboneCatalog.All.Select(d => d.Name).Distinct().Count());
        Assert.Equal(BackboneCatalog.All.Count, BackboneCatalog.All.Select(d => d.FileName).Distinct().Count());
        foreach (var d in BackboneCatalog.All) d.Preprocessing.Validate();
    }

    [Fact]
    public void Catalog_names_are_case_and_dash_insensitive_and_unknown_names_list_the_known_ones()
    {
        Assert.Equal("vgg16", BackboneCatalog.Get("VGG16").Name);
        Assert.Equal("inception_v3", BackboneCatalog.Get("inception-v3").Name);
        var error = Assert.Throws<ArgumentException>(() => BackboneCatalog.Get("alexnet"));
        Assert.Contains("resnet50", error.Message);
    }

    [Fact]
    public void Mobilenet_v2_is_the_float_graph_and_the_int8_graph_has_its_own_name()
    {
        Assert.Equal("mobilenetv2-12.onnx", BackboneCatalog.Get("mobilenet_v2").FileName);
        var int8 = BackboneCatalog.Get("mobilenet_v2_int8");
        Assert.Equal("mobilenetv2-12-int8.onnx", int8.FileName);
        Assert.Equal("cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f", int8.Sha256); // the zoo's pointer
    }

    [Fact]
    public void Each_entry_carries_the_preprocessing_of_its_model_page()
    {
        var vgg = BackboneCatalog.Get("vgg16").Preprocessing;
        Assert.Equal(ChannelOrder.RGB, vgg.ChannelOrder);
        Assert.Equal(Normalization.ImageNet, vgg.Normalization);

        // GoogLeNet: BGR, 0-255 minus (103.939, 116.779, 123.68) in BGR order, std 1
        var googlenet = BackboneCatalog.Get("googlenet").Preprocessing;
        Assert.Equal(ChannelOrder.BGR, googlenet.ChannelOrder);
        Assert.Equal(103.939, googlenet.Normalization.MeanOf(0) * 255, 3);
        Assert.Equal(123.68, googlenet.Normalization.MeanOf(2) * 255, 3);
        Assert.Equal(1.0, googlenet.Normalization.StdOf(1) * 255, 5);

        // EfficientNet-Lite4: (x - 127) / 128, but channels-last input the library cannot feed
        var lite4 = BackboneCatalog.Get("efficientnet_lite4");
        Assert.Equal(127.0, lite4.Preprocessing.Normalization.MeanOf(0) * 255, 3);
        Assert.Equal(128.0, lite4.Preprocessing.Normalization.StdOf(0) * 255, 3);
        Assert.Contains("NHWC", lite4.Unsupported);
        Assert.Contains("NHWC", lite4.Notes);

        Assert.Equal(299, BackboneCatalog.Get("inception_v3").InputSize);
    }

    [Fact]
    public void A_channels_last_entry_is_refused_by_FromCatalog_without_downloading_anything()
    {
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache });

        var error = Assert.Throws<BackboneUnavailableException>(() => Backbone.FromCatalog("efficientnet_lite4", store));

        Assert.Contains("NHWC", error.Message);
        Assert.Empty(Directory.GetFiles(_cache));
    }

    [Fact]
    public void Resnet18_without_its_package_names_the_PackageReference_and_the_zoo_alternative()
    {
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache, PackageFileDirectory = _cache });
        var resnet18 = BackboneCatalog.Get("resnet18");

        var error = Assert.Throws<BackboneUnavailableException>(() => store.Resolve(resnet18));

        Assert.Contains("<PackageReference Include=\"Microsoft.ML.DnnImageFeaturizer.ResNet18\" Version=\"0.23.1\" />", error.Message);
        Assert.Contains("resnet18_v1", error.Message);
        Assert.Contains(Path.Combine(_cache, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"), error.Message);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"),
            new WeightStore().PackagePathFor(resnet18));
    }

    [NuGetPackageFileFact(ResNet18Package, "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx")]
    public void Resnet18_from_the_package_folder_is_verified_and_loads_with_512_pooled_features()
    {
        var store = new WeightStore(new WeightStoreOptions
        {
            CacheDirectory = _cache, PackageFileDirectory = NuGetPackageFileFactAttribute.Folder(ResNet18Package, "tools"),
        });

        var backbone = Backbone.FromCatalog("resnet18", store);

        Assert.True(store.IsVerified(BackboneCatalog.Get("resnet18")));
        Assert.Equal(512, backbone.Features.Length);
        Assert.Equal(ChannelOrder.BGR, backbone.Preprocessing.ChannelOrder);
        Assert.Equal(224, backbone.Preprocessing.Width);
    }

    [NuGetPackageFileFact(ResNet18Package, "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx")]
    public void Resnet18_means_are_the_per_channel_means_of_the_package_mean_image()
    {
        var prep = OnnxModel.Load(Path.Combine(NuGetPackageFileFactAttribute.Folder(ResNet18Package, "tools"),
            "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        float[] image = TensorData.ToFloatArray(prep.Proto.Graph.Initializer.Single(t => t.Name == "MeanImage"));
        var normalization = BackboneCatalog.Get("resnet18").Preprocessing.Normalization;

        int plane = image.Length / 3;
        for (int c = 0; c < 3; c++) // the mean image is in the BGR order the graph reorders to
        {
            double mean = image.Skip(c * plane).Take(plane).Average(v => (double)v);
            Assert.Equal(mean, normalization.MeanOf(c) * 255.0, 2);
        }
        Assert.Equal(1.0, normalization.StdOf(0) * 255.0, 5);
    }

    [SharedFact("models/mobilenetv2-12-int8.onnx")]
    public void The_shared_int8_copy_differs_from_the_zoo_file_and_is_refused_with_both_hashes()
    {
        string copy = RepositoryPaths.SharedModel("mobilenetv2-12-int8.onnx");
        File.Copy(copy, Path.Combine(_cache, "mobilenetv2-12-int8.onnx"));
        var store = new WeightStore(new WeightStoreOptions { CacheDirectory = _cache, AllowDownload = false });

        var error = Assert.Throws<BackboneUnavailableException>(() => Backbone.FromCatalog("mobilenet_v2_int8", store));

        Assert.Contains(WeightStore.ComputeSha256(copy), error.Message);
        Assert.Contains(BackboneCatalog.Get("mobilenet_v2_int8").Sha256!, error.Message);
    }

    [Fact]
    public async Task Tl_backbones_lists_the_catalog_with_full_hashes()
    {
        var entry = Assembly.Load("tl").EntryPoint!;
        object? result = entry.Invoke(null, [new[] { "backbones", "--full-sha" }]);
        Assert.Equal(0, result is Task<int> task ? await task : (int)result!);
    }

    private const string ResNet18Package = "microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1";

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}

/// <summary>A fact that needs a file of a package in the local NuGet cache; skipped when it is not there.</summary>
public sealed class NuGetPackageFileFactAttribute : FactAttribute
{
    /// <param name="package">The package folder under the NuGet cache, e.g. <c>id/version</c> (lower case).</param>
    /// <param name="relativePath">The file inside the package.</param>
    public NuGetPackageFileFactAttribute(string package, string relativePath)
    {
        string file = Path.Combine(Folder(package, ""), relativePath);
        if (!File.Exists(file)) Skip = $"needs {file} (restore the NuGet package {package})";
    }

    /// <summary>A folder of the package in the NuGet cache (<c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>).</summary>
    public static string Folder(string package, string relative) => Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        package, relative);
}
