using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace TransferLearning.ML.WebDemo.Tests;

[Collection(DemoServerCollection.Name)]
public sealed class PredictEndpointTests(DemoServerFixture fixture)
{
    private const string Xray = DemoServerFixture.Kermany;
    private const string MobileNet = DemoServerFixture.MobileNet;

    [SharedFact(MobileNet, Xray)]
    public async Task Health_reports_ok_with_the_models_class_count()
    {
        using var client = await ClientAsync();

        var health = await client.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(2, health.GetProperty("classes").GetInt32());
    }

    [SharedFact(MobileNet, Xray)]
    public async Task A_chest_xray_gets_the_label_and_probabilities_of_TransferModel_Predict()
    {
        var demo = await fixture.GetAsync();
        using var client = await ClientAsync();
        string xray = DemoServerFixture.UnseenXray();
        var expected = demo.Model.Predict(xray);

        using var response = await client.PostAsync("/predict", Upload(await File.ReadAllBytesAsync(xray), Path.GetFileName(xray), "image/jpeg"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected.Label, body.GetProperty("label").GetString());
        Assert.Equal(demo.Model.ClassNames, body.GetProperty("probabilities").EnumerateArray().Select(p => p.GetProperty("className").GetString()!));
        Assert.Equal(expected.Probabilities, body.GetProperty("probabilities").EnumerateArray().Select(p => p.GetProperty("probability").GetSingle()));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task The_prediction_carries_a_Grad_CAM_overlay_of_the_predicted_class_as_a_PNG_data_url()
    {
        using var client = await ClientAsync();
        string xray = DemoServerFixture.UnseenXray();

        using var response = await client.PostAsync("/predict", Upload(await File.ReadAllBytesAsync(xray), "x.jpeg", "image/jpeg"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var info = await client.GetFromJsonAsync<JsonElement>("/info");
        var gradCam = body.GetProperty("gradCam");
        string url = gradCam.GetProperty("imageDataUrl").GetString()!;

        Assert.Equal(body.GetProperty("label").GetString(), gradCam.GetProperty("targetClass").GetString());
        Assert.StartsWith("data:image/png;base64,", url);
        using var overlay = SkiaSharp.SKBitmap.Decode(Convert.FromBase64String(url["data:image/png;base64,".Length..]));
        Assert.NotNull(overlay);
        Assert.True(info.GetProperty("gradCamAvailable").GetBoolean());
    }

    [SharedFact(MobileNet, Xray)]
    public async Task A_text_file_named_png_is_refused_with_400_saying_it_is_not_an_image()
    {
        using var client = await ClientAsync();

        using var response = await client.PostAsync("/predict", Upload("patient notes, not pixels"u8.ToArray(), "scan.png", "image/png"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'scan.png' is not an image (it is text): choose a PNG, JPEG or BMP file.", await ErrorAsync(response));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task A_truncated_jpeg_is_refused_with_400()
    {
        using var client = await ClientAsync();
        byte[] head = (await File.ReadAllBytesAsync(DemoServerFixture.UnseenXray()))[..200];

        using var response = await client.PostAsync("/predict", Upload(head, "cut.jpeg", "image/jpeg"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cannot be decoded", await ErrorAsync(response));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task An_empty_upload_is_refused_with_400()
    {
        using var client = await ClientAsync();

        using var response = await client.PostAsync("/predict", Upload([], "empty.png", "image/png"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'empty.png' is empty (0 bytes): choose a PNG, JPEG or BMP image.", await ErrorAsync(response));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task A_post_without_a_file_is_refused_with_400()
    {
        using var client = await ClientAsync();

        using var response = await client.PostAsync("/predict", new MultipartFormDataContent { { new StringContent("x"), "note" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("No file", await ErrorAsync(response));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task An_upload_over_the_limit_is_refused_with_413()
    {
        using var client = await ClientAsync();
        byte[] large = new byte[DemoServerFixture.MaxUploadBytes + 1];
        large[0] = 0xFF; large[1] = 0xD8; large[2] = 0xFF;

        using var response = await client.PostAsync("/predict", Upload(large, "huge.jpeg", "image/jpeg"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("'huge.jpeg' is larger than the 1 MB limit: choose a smaller image (or start the demo with a larger --max-upload-mb).",
            await ErrorAsync(response));
    }

    [SharedTheory(MobileNet, Xray)]
    [InlineData(12000, 12000, "144")]
    [InlineData(40000, 40000, "1600")]
    public async Task A_decompression_bomb_is_refused_with_413_and_the_usual_json_error(int width, int height, string megapixels)
    {
        using var client = await ClientAsync();
        byte[] bomb = BombPng.Create(width, height);
        Assert.True(bomb.Length < 2048);

        using var response = await client.PostAsync("/predict", Upload(bomb, "bomb.png", "image/png"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"'bomb.png' is {width}×{height} pixels ({megapixels} megapixels), more than the 64 megapixels limit: " +
            "choose a smaller image (or start the demo with a larger --max-megapixels).", await ErrorAsync(response));
        // the demo still answers normally afterwards
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [SharedFact(MobileNet, Xray)]
    public async Task A_request_announcing_a_body_far_over_the_limit_is_refused_with_413_before_the_body_is_sent()
    {
        using var client = await ClientAsync();
        // as curl does for large bodies: headers first, the body only after "100 Continue", which the demo never sends
        using var request = new HttpRequestMessage(HttpMethod.Post, "/predict")
        {
            Content = Upload(new byte[3 * DemoServerFixture.MaxUploadBytes], "huge.png", "image/png"),
        };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("The upload is larger than the 1 MB limit: choose a smaller image (or start the demo with a larger --max-upload-mb).",
            await ErrorAsync(response));
    }

    [SharedFact(MobileNet, Xray)]
    public async Task The_page_may_load_nothing_from_other_sites()
    {
        using var client = await ClientAsync();

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self';", policy);
    }

    private async Task<HttpClient> ClientAsync()
    {
        var demo = await fixture.GetAsync();
        return new HttpClient { BaseAddress = demo.BaseAddress };
    }

    private static MultipartFormDataContent Upload(byte[] bytes, string fileName, string contentType)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "image", fileName } };
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
}
