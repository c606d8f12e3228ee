namespace TransferLearning.ML.WebDemo.Tests;

/// <summary>
/// A fact that drives the page in headless Chromium: skipped, with the reason, when Chromium (<c>/usr/bin/chromium</c>
/// or <c>CHROMIUM_PATH</c>), node, or the files it needs under <c>../shared</c> are absent. <c>.ci/install-browser</c>
/// installs Chromium and the driver's npm packages.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <param name="sharedPaths">Paths under <c>shared/</c> the test reads.</param>
    public BrowserFactAttribute(params string[] sharedPaths)
    {
        if (!File.Exists(ChromiumUpload.ChromiumPath))
            Skip = $"needs Chromium at {ChromiumUpload.ChromiumPath} (run .ci/install-browser as root, or set CHROMIUM_PATH)";
        else if (ChromiumUpload.NodePath is null)
            Skip = "needs node on PATH (Node.js 20 or later) to run samples/WebDemo/e2e/upload.mjs";
        else if (new SharedFactAttribute(sharedPaths).Skip is { } missingShared)
            Skip = missingShared;
    }
}
