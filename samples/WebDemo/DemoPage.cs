namespace TransferLearning.ML.WebDemo;

/// <summary>The page's files, compiled into the assembly (folder <c>Page/</c>).</summary>
internal static class DemoPage
{
    // everything the page loads comes from this app; no CDN, no inline script
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static IResult Serve(string fileName)
    {
        var stream = typeof(DemoPage).Assembly.GetManifestResourceStream("Page/" + fileName)
            ?? throw new InvalidOperationException($"Page/{fileName} is not embedded in {typeof(DemoPage).Assembly.GetName().Name}; check WebDemo.csproj.");
        string contentType = Path.GetExtension(fileName) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        return new PageFileResult(stream, contentType);
    }

    private sealed class PageFileResult(Stream content, string contentType) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var headers = httpContext.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-cache";
            await Results.Stream(content, contentType).ExecuteAsync(httpContext);
        }
    }
}
