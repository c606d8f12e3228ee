using System.Runtime.InteropServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TransferLearning.ML.Training;

/// <summary>
/// An exponential moving average of a phase's trainable parameters (<see cref="FineTuneOptions.EmaHalfLifeEpochs"/>):
/// updated after every optimiser step, swapped into the network for validation, the best-epoch snapshot and the
/// checkpoint, and left in it when the phase ends. The first updates average over fewer steps (decay
/// min(d, (1 + n) / (10 + n)) after n updates, as TensorFlow's ExponentialMovingAverage with num_updates), so the
/// average does not drag the pretrained weights along for the phase's first epochs.
/// </summary>
internal sealed class WeightAverage : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly List<Tensor> _average;
    private readonly double _decay;

    private WeightAverage(IReadOnlyList<Parameter> parameters, double decay)
    {
        _parameters = parameters;
        _decay = decay;
        using var _ = no_grad();
        _average = parameters.Select(p => p.detach().clone()).ToList();
    }

    /// <summary>Optimiser steps averaged so far in this phase.</summary>
    public long Updates { get; private set; }

    /// <summary>The per-step decay of a half-life of <paramref name="halfLifeEpochs"/> epochs of <paramref name="stepsPerEpoch"/> steps.</summary>
    public static double DecayFor(double halfLifeEpochs, int stepsPerEpoch) =>
        Math.Pow(0.5, 1.0 / (halfLifeEpochs * Math.Max(1, stepsPerEpoch)));

    /// <summary>The average of <paramref name="parameters"/> for a phase, or null when the options average nothing.</summary>
    public static WeightAverage? For(FineTuneOptions options, IReadOnlyList<Parameter> parameters, int stepsPerEpoch) =>
        options.EmaHalfLifeEpochs is double halfLife && parameters.Count > 0
            ? new WeightAverage(parameters, DecayFor(halfLife, stepsPerEpoch))
            : null;

    /// <summary>Folds the parameters' values after an optimiser step into the average.</summary>
    public void Update()
    {
        double decay = Math.Min(_decay, (1.0 + Updates) / (10.0 + Updates));
        using (no_grad())
            for (int i = 0; i < _average.Count; i++)
                _average[i].mul_(decay).add_(_parameters[i].detach(), alpha: 1 - decay);
        Updates++;
    }

    /// <summary>The average in the network until disposed; then the trained values again.</summary>
    public IDisposable SwappedIn()
    {
        Swap();
        return new SwapBack(this);
    }

    /// <summary>The average in the network for good (the phase's end).</summary>
    public void CopyIntoNetwork()
    {
        using var _ = no_grad();
        for (int i = 0; i < _average.Count; i++) _parameters[i].copy_(_average[i]);
    }

    // exchanges the values of the parameters and the average, in place
    private void Swap()
    {
        using var _ = no_grad();
        for (int i = 0; i < _average.Count; i++)
        {
            using var trained = _parameters[i].detach().clone();
            _parameters[i].copy_(_average[i]);
            _average[i].copy_(trained);
        }
    }

    /// <summary>Writes the average and its update count (for a checkpoint).</summary>
    public void Write(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Updates);
        writer.Write(_average.Count);
        foreach (var kept in _average)
        {
            float[] values = kept.contiguous().data<float>().ToArray();
            writer.Write(values.Length);
            writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote for the same parameters.</summary>
    /// <exception cref="InvalidDataException">The stream holds an average of other parameters.</exception>
    public void Read(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        long updates = reader.ReadInt64();
        int count = reader.ReadInt32();
        if (count != _average.Count) throw new InvalidDataException($"the weight average holds {count} tensors, this phase trains {_average.Count}");
        using var _ = no_grad();
        foreach (var kept in _average)
        {
            int length = reader.ReadInt32();
            if (length != kept.numel()) throw new InvalidDataException($"a weight-average tensor holds {length} values, its parameter {kept.numel()}");
            var values = new float[length];
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            using var read = tensor(values).reshape(kept.shape);
            kept.copy_(read);
        }
        Updates = updates;
    }

    public void Dispose()
    {
        foreach (var kept in _average) kept.Dispose();
    }

    private sealed class SwapBack(WeightAverage average) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            average.Swap();
        }
    }
}
