using TransferLearning.ML.WebDemo;

// Startup problems (no model, a file that is not a model, a non-loopback address, a port in use) end the process
// with one readable line instead of a stack trace.
try
{
    await using var app = WebDemoApplication.Create(args);
    await WebDemoApplication.StartAsync(app);
    await app.WaitForShutdownAsync();
    return 0;
}
catch (WebDemoStartupException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
