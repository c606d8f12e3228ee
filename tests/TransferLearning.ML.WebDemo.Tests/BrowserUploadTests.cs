namespace TransferLearning.ML.WebDemo.Tests;

/// <summary>The page as a user sees it, in headless Chromium driven by samples/WebDemo/e2e/upload.mjs.</summary>
[Collection(DemoServerCollection.Name)]
public sealed class BrowserUploadTests(DemoServerFixture fixture)
{
    private const string Xray = DemoServerFixture.Kermany;
    private const string MobileNet = DemoServerFixture.MobileNet;

    /// <summary>Where screenshots go: the test output folder, kept after the run for a look.</summary>
    private static string Screenshot(string name) => Path.Combine(AppContext.BaseDirectory, "screenshots", name);

    [BrowserFact(MobileNet, Xray)]
    public async Task Uploading_a_chest_xray_shows_the_label_and_probabilities_of_TransferModel_Predict()
    {
        var demo = await fixture.GetAsync();
        string xray = DemoServerFixture.UnseenXray();
        var expected = demo.Model.Predict(xray);
        string screenshot = Screenshot("webdemo-prediction.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);

        var shown = ChromiumUpload.Run(demo.BaseAddress.ToString(), xray, screenshot);

        Assert.Equal("done", shown.State);
        Assert.Equal(expected.Label, shown.Label);
        Assert.Equal(demo.Model.ClassNames, shown.Probabilities.Select(p => p.ClassName));
        for (int k = 0; k < expected.Probabilities.Count; k++)
            Assert.Equal(expected.Probabilities[k], shown.Probabilities[k].Probability, 1e-6);
        Assert.StartsWith($"Grad-CAM for {expected.Label}", shown.GradCamStatus);
        Assert.Empty(shown.ConsoleErrors); // a blocked script, style or image (CSP) would be reported here
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is missing or blank");
    }

    [BrowserFact(MobileNet, Xray)]
    public async Task Uploading_a_text_file_named_png_shows_why_it_was_refused()
    {
        var demo = await fixture.GetAsync();
        string fake = Path.Combine(fixture.Folder, "xray.png");
        await File.WriteAllTextAsync(fake, "This is a text file, not a chest X-ray.");
        string screenshot = Screenshot("webdemo-error.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);

        var shown = ChromiumUpload.Run(demo.BaseAddress.ToString(), fake, screenshot);

        Assert.Equal("error", shown.State);
        Assert.Null(shown.Label);
        Assert.Equal("'xray.png' is not an image (it is text): choose a PNG, JPEG or BMP file.", shown.Error);
    }
}
