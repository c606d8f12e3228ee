using Microsoft.Extensions.Configuration;

namespace TransferLearning.ML.WebDemo.Tests;

public sealed class StartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tl-webdemo-startup-").FullName;

    [Fact]
    public void Starting_without_a_model_says_how_to_name_one()
    {
        var error = Assert.Throws<WebDemoStartupException>(() => WebDemoApplication.Create(["--urls", "http://127.0.0.1:0"]));

        Assert.Contains("--model", error.Message);
        Assert.Contains("TL_MODEL", error.Message);
    }

    [Fact]
    public void A_missing_model_file_is_named_in_the_startup_error()
    {
        string missing = Path.Combine(_folder, "nowhere.tlmodel");

        var error = Assert.Throws<WebDemoStartupException>(() => WebDemoApplication.Create(["--model", missing]));

        Assert.Contains(missing, error.Message);
        Assert.Contains("--model", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_refused_at_startup()
    {
        string notAModel = Path.Combine(_folder, "notes.tlmodel");
        File.WriteAllText(notAModel, "these are notes, not a model");

        var error = Assert.Throws<WebDemoStartupException>(() => WebDemoApplication.Create(["--model", notAModel]));

        Assert.Contains(notAModel, error.Message);
        Assert.Contains("not a readable model file", error.Message);
    }

    [Theory]
    [InlineData("http://0.0.0.0:5080")]
    [InlineData("http://*:5080")]
    [InlineData("http://127.0.0.1:5080;http://192.168.1.20:5080")]
    public void Addresses_beyond_loopback_are_refused(string urls)
    {
        var error = Assert.Throws<WebDemoStartupException>(() =>
            WebDemoApplication.Create(["--model", Path.Combine(_folder, "any.tlmodel"), "--urls", urls]));

        Assert.Contains("loopback", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080")]
    [InlineData("http://[::1]:5080")]
    public void Loopback_addresses_are_accepted(string url)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["model"] = "m.tlmodel", ["urls"] = url })
            .Build();

        Assert.Equal([url], WebDemoSettings.From(configuration).Urls);
    }

    [Fact]
    public void The_model_can_come_from_TL_MODEL_and_the_defaults_are_port_5080_and_10_MB()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["TL_MODEL"] = "from-environment.tlmodel" })
            .Build();

        var settings = WebDemoSettings.From(configuration);

        Assert.Equal(Path.GetFullPath("from-environment.tlmodel"), settings.ModelPath);
        Assert.Equal(["http://127.0.0.1:5080"], settings.Urls);
        Assert.Equal(10 * 1024 * 1024, settings.MaxUploadBytes);
    }

    [Fact]
    public void An_upload_limit_that_is_not_a_size_is_refused()
    {
        var error = Assert.Throws<WebDemoStartupException>(() =>
            WebDemoApplication.Create(["--model", "m.tlmodel", "--max-upload-mb", "lots"]));

        Assert.Contains("--max-upload-mb", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
