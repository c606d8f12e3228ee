using static TorchSharp.torch;

namespace TransferLearning.ML.Training.Heads;

/// <summary>
/// Seeds libtorch's default generator for the layers created inside the scope, so that a head's initial weights
/// depend only on the run's seed, and restores the generator's state afterwards so that the surrounding code's
/// random stream is unaffected.
/// </summary>
internal sealed class SeededInitialization : IDisposable
{
    private readonly Tensor _saved;

    public SeededInitialization(long seed)
    {
        _saved = random.get_rng_state();
        random.manual_seed(seed);
    }

    public void Dispose()
    {
        random.set_rng_state(_saved);
        _saved.Dispose();
    }
}
