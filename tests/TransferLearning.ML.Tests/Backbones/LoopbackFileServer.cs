using System.Net;
using System.Net.Sockets;

namespace TransferLearning.ML.Tests.Backbones;

/// <summary>Serves one byte array over HTTP on 127.0.0.1, for download tests without a network.</summary>
internal sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly byte[] _content;
    private readonly Task _loop;

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
    public int Requests { get; private set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            Requests++;
            context.Response.ContentLength64 = _content.Length;
            await context.Response.OutputStream.WriteAsync(_content);
            context.Response.Close();
        }
    }

    private static int FreePort()
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
