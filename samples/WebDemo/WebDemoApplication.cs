using Microsoft.AspNetCore.Http.Features;
using Microsoft.ML.OnnxRuntime;
using SkiaSharp;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.WebDemo;

/// <summary>
/// The web demo: one page (<c>/</c>), <c>POST /predict</c> (multipart field <c>image</c>), <c>GET /info</c> (the
/// model and the limits) and <c>GET /health</c>, on loopback addresses only.
/// </summary>
public static class WebDemoApplication
{
    /// <summary>Builds the app from command-line arguments (see <see cref="WebDemoSettings.From"/>) and loads the
    /// model; call <see cref="StartAsync"/> to listen.</summary>
    /// <exception cref="WebDemoStartupException">The settings are invalid, or the model is missing, not a model
    /// file, or cannot be run.</exception>
    public static WebApplication Create(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(WebDemoApplication).Assembly.GetName().Name,
        });
        var settings = WebDemoSettings.From(builder.Configuration);
        var model = LoadModel(settings.ModelPath);
        model.MaxImagePixels = settings.MaxImagePixels;

        // set explicitly, so ASPNETCORE_HTTP_PORTS or a default can never widen the binding beyond loopback
        builder.WebHost.UseUrls([.. settings.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes);
        builder.Services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = settings.MaxRequestBodyBytes;
            form.ValueCountLimit = 16;
        });
        // one line per request is noise for a demo; startup, warnings and errors stay (override with --Logging:...)
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton(settings);
        // from a factory, so the container disposes the model (and its ONNX Runtime session) with the app
        builder.Services.AddSingleton(_ => model);
        builder.Services.AddSingleton<ExplanationService>();

        var app = builder.Build();
        app.MapGet("/", () => DemoPage.Serve("index.html"));
        app.MapGet("/app.js", () => DemoPage.Serve("app.js"));
        app.MapGet("/app.css", () => DemoPage.Serve("app.css"));
        app.MapGet("/info", (TransferModel m, WebDemoSettings s, ExplanationService explanations) =>
            Results.Json(ModelInfo.Describe(m, s, explanations.IsAvailable)));
        app.MapGet("/health", (TransferModel m) => Results.Json(new HealthStatus("ok", m.ClassNames.Count)));
        app.MapPost("/predict", PredictionEndpoint.HandleAsync);
        return app;
    }

    /// <summary>Starts listening and logs where.</summary>
    /// <exception cref="WebDemoStartupException">An address cannot be bound (e.g. the port is in use).</exception>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new WebDemoStartupException($"Cannot listen: {e.Message} Choose another port with --urls, e.g. --urls http://127.0.0.1:5081.", e);
        }
        var settings = app.Services.GetRequiredService<WebDemoSettings>();
        var model = app.Services.GetRequiredService<TransferModel>();
        app.Logger.LogInformation("Serving {Model} ({Classes}) at {Urls}", settings.ModelPath,
            string.Join(", ", model.ClassNames), string.Join(" ", app.Urls));
    }

    private static TransferModel LoadModel(string path)
    {
        const string advice = "Pass --model with the path of a .tlmodel file saved by TransferModel.Save (or set TL_MODEL).";
        TransferModel model;
        try
        {
            model = TransferModel.Load(path);
        }
        catch (FileNotFoundException)
        {
            throw new WebDemoStartupException($"No model file at {path}. {advice}");
        }
        catch (ModelFileException e)
        {
            throw new WebDemoStartupException($"{e.Message} {advice}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WebDemoStartupException($"Cannot read the model {path}: {e.Message} {advice}", e);
        }

        // one prediction now, so a graph ONNX Runtime cannot run fails at startup rather than at the first upload
        try
        {
            using var blank = new SKBitmap(model.Preprocessing.Width, model.Preprocessing.Height);
            blank.Erase(SKColors.Gray);
            model.Predict(blank);
        }
        catch (OnnxRuntimeException e)
        {
            model.Dispose();
            throw new WebDemoStartupException($"{path} holds a graph ONNX Runtime cannot run ({e.Message}). Save the model again.", e);
        }
        return model;
    }
}
