using TransferLearning.ML.Data;
using TransferLearning.ML.Models;

namespace TransferLearning.ML.WebDemo;

/// <summary><c>POST /predict</c>: one image in the multipart field <c>image</c>; answers a
/// <see cref="PredictionResponse"/>, or an <see cref="UploadError"/> with 400 (empty, not an image, malformed),
/// 413 (over the upload size limit, or over the pixel budget: checked from the image header before decoding) or
/// 500 (an unexpected failure, logged).</summary>
internal static class PredictionEndpoint
{
    public const string FieldName = "image";

    public static async Task<IResult> HandleAsync(HttpRequest request, TransferModel model, ExplanationService explanations,
        WebDemoSettings settings, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
            return Refuse(StatusCodes.Status400BadRequest,
                $"Send the image as multipart/form-data in a field named '{FieldName}'.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(settings);
        }
        catch (InvalidDataException)
        {
            return Refuse(StatusCodes.Status400BadRequest,
                $"The upload is not a well-formed multipart form; send the image in a field named '{FieldName}'.");
        }

        var file = form.Files.GetFile(FieldName) ?? (form.Files.Count == 1 ? form.Files[0] : null);
        if (file is null)
            return Refuse(StatusCodes.Status400BadRequest, $"No file in the upload: choose an image (field '{FieldName}').");
        string name = Path.GetFileName(file.FileName) is { Length: > 0 } given ? given : "upload";
        if (file.Length == 0)
            return Refuse(StatusCodes.Status400BadRequest, $"'{name}' is empty (0 bytes): choose a PNG, JPEG or BMP image.");
        if (file.Length > settings.MaxUploadBytes)
            return TooLarge(settings, name);

        byte[] bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        if (ImageFileFormat.Detect(bytes) is null)
            return Refuse(StatusCodes.Status400BadRequest,
                $"'{name}' is not an image ({ImageFileFormat.DescribeUnknown(bytes)}): choose a PNG, JPEG or BMP file.");

        Prediction prediction;
        GradCamOverlay? gradCam;
        try
        {
            prediction = model.Predict(bytes, name);
            gradCam = explanations.Explain(bytes, prediction, cancellationToken);
        }
        catch (ImageTooLargeException e)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge,
                $"'{name}' is {e.Width}×{e.Height} pixels ({Megapixels(e.Pixels)}), more than the {Megapixels(e.MaxPixels)} limit: " +
                "choose a smaller image (or start the demo with a larger --max-megapixels).");
        }
        catch (ImageDataException)
        {
            return Refuse(StatusCodes.Status400BadRequest,
                $"'{name}' looks like an image but cannot be decoded (truncated or damaged?): choose another file.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PredictionEndpoint))
                .LogError(e, "Prediction of {Name} failed", name);
            return Refuse(StatusCodes.Status500InternalServerError,
                $"'{name}' could not be classified ({e.GetType().Name}); the demo's log has the details.");
        }
        var probabilities = model.ClassNames.Select((c, k) => new ClassProbability(c, prediction.Probabilities[k])).ToList();
        return Results.Json(new PredictionResponse(name, prediction.Label, prediction.LabelIndex, prediction.Confidence,
            probabilities, model.DecisionThreshold, gradCam));
    }

    private static IResult TooLarge(WebDemoSettings settings, string? name = null) =>
        Refuse(StatusCodes.Status413PayloadTooLarge,
            $"{(name is null ? "The upload" : $"'{name}'")} is larger than the {Megabytes(settings.MaxUploadBytes)} limit: " +
            "choose a smaller image (or start the demo with a larger --max-upload-mb).");

    private static string Megapixels(long pixels) => $"{pixels / 1e6:0.#} megapixels";

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MB";

    private static IResult Refuse(int statusCode, string message) => Results.Json(new UploadError(message), statusCode: statusCode);
}
