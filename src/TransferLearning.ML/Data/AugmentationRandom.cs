namespace TransferLearning.ML.Data;

/// <summary>
/// A small SplitMix64 generator seeded from (seed, epoch, sample index), so every image of every epoch gets its
/// own reproducible stream with no generator shared between threads.
/// </summary>
public struct AugmentationRandom
{
    private ulong _state;

    /// <summary>A generator for one sample of one epoch.</summary>
    public AugmentationRandom(int seed, int epoch, int sampleIndex)
    {
        ulong state = Mix((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL);
        state = Mix(state ^ (ulong)(uint)epoch);
        _state = Mix(state ^ (ulong)(uint)sampleIndex);
    }

    /// <summary>A generator for one image of one epoch, named by a stable identity (e.g. a content hash) rather than its index.</summary>
    internal AugmentationRandom(int seed, int epoch, ulong identity)
    {
        ulong state = Mix((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL);
        state = Mix(state ^ (ulong)(uint)epoch);
        _state = Mix(state ^ 0xD1B54A32D192ED03UL ^ identity);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary><c>true</c> with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => probability >= 1 || (probability > 0 && NextDouble() < probability);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [0, <paramref name="max"/>).</summary>
    public int NextInt(int max) => (int)(NextDouble() * max);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
