using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TransferLearning.ML.Tests.Backbones;

/// <summary>
/// Serves one byte array over HTTP on 127.0.0.1, for download tests without a network: honours <c>Range: bytes=N-</c>
/// (206 with Content-Range; 416 past the end) unless told to ignore it, and can cut the connection after a number of
/// bytes to simulate an interrupted download.
/// </summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _content;
    private readonly Task _loop;
    private int _requests;

    public LoopbackFileServer(byte[] content)
    {
        _content = content;
        int port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}/model.onnx");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Address { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The Range header of each request in order (null when it had none).</summary>
    public ConcurrentQueue<string?> RangeHeaders { get; } = new();

    /// <summary>When set, the next response sends this many body bytes (of a declared full length) and then drops the connection.</summary>
    public long? CutNextResponseAfter { get; set; }

    /// <summary>Answer every request with the whole file (200), as a server without range support does.</summary>
    public bool IgnoreRange { get; set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try
            {
                await RespondAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // the client went away
            }
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref _requests);
        string? range = context.Request.Headers["Range"];
        RangeHeaders.Enqueue(range);
        var response = context.Response;
        long start = 0;
        if (!IgnoreRange && range is { } header && header.StartsWith("bytes=", StringComparison.Ordinal) && header.EndsWith('-'))
        {
            start = long.Parse(header["bytes=".Length..^1], CultureInfo.InvariantCulture);
            if (start >= _content.Length)
            {
                response.StatusCode = 416;
                response.Headers["Content-Range"] = $"bytes */{_content.Length}";
                response.Close();
                return;
            }
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{_content.Length - 1}/{_content.Length}";
        }
        long length = _content.Length - start;
        response.ContentLength64 = length;
        long? cut = CutNextResponseAfter;
        CutNextResponseAfter = null;
        if (cut is long after && after < length)
        {
            await response.OutputStream.WriteAsync(_content.AsMemory((int)start, (int)after));
            await response.OutputStream.FlushAsync();
            await Task.Delay(100);
            response.Abort(); // drops the connection mid-body
            return;
        }
        await response.OutputStream.WriteAsync(_content.AsMemory((int)start, (int)length));
        response.Close();
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
