using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Training;

/// <summary>
/// The run's memory across epochs: the history, the best epoch so far by the monitored validation metric and its
/// weights, how many epochs have passed without improvement (early stopping, reduce-on-plateau) and whether the
/// current phase has stopped early. It is what a checkpoint stores besides the network and optimiser state.
/// </summary>
internal sealed class EpochSelection(EarlyStoppingOptions earlyStopping, LearningRateSchedule schedule)
{
    private readonly List<EpochMetrics> _history = [];

    public IReadOnlyList<EpochMetrics> History => _history;

    public int BestEpoch { get; private set; }

    public double Best { get; private set; } = double.NaN;

    public int EpochsWithoutImprovement { get; private set; }

    /// <summary>The reduce-on-plateau multiplier of the learning rate (1 for other schedules).</summary>
    public double PlateauFactor { get; private set; } = 1;

    /// <summary>A snapshot of the best epoch's weights (with <see cref="EarlyStoppingOptions.RestoreBestWeights"/>).</summary>
    public byte[]? BestWeights { get; private set; }

    /// <summary>Whether early stopping ended the current phase after the last recorded epoch.</summary>
    public bool Stopped { get; private set; }

    /// <summary>A phase starts with its own patience.</summary>
    public void StartPhase() => EpochsWithoutImprovement = 0;

    /// <summary>
    /// Records a finished epoch: a new best (always, without validation images) keeps its weights; otherwise the
    /// epochs without improvement grow and reduce-on-plateau may lower the rate. Returns whether the phase stops.
    /// </summary>
    public bool Record(EpochMetrics metrics, bool hasValidation, Func<byte[]> snapshot)
    {
        _history.Add(metrics);
        double value = earlyStopping.Monitor.Read(metrics);
        if (!hasValidation || earlyStopping.Monitor.Improves(value, Best, earlyStopping.MinDelta))
        {
            Best = value;
            BestEpoch = metrics.Epoch;
            EpochsWithoutImprovement = 0;
            if (earlyStopping.RestoreBestWeights) BestWeights = snapshot();
        }
        else
        {
            EpochsWithoutImprovement++;
            if (schedule is LearningRateSchedule.ReduceOnPlateauSchedule plateau && EpochsWithoutImprovement % plateau.Patience == 0)
                PlateauFactor = Math.Max(plateau.MinFactor, PlateauFactor * plateau.ReduceFactor);
        }
        Stopped = earlyStopping.Patience is int patience && EpochsWithoutImprovement >= patience;
        return Stopped;
    }

    /// <summary>The state as a checkpoint writes it after epoch <paramref name="completedEpochs"/>.</summary>
    public TrainingCheckpoint.State ToCheckpoint(string fingerprint, int completedEpochs) => new(
        FormatVersion: 0, RunFingerprint: fingerprint, CompletedEpochs: completedEpochs, BestEpoch: BestEpoch, BestValue: Best,
        EpochsWithoutImprovement: EpochsWithoutImprovement, PlateauFactor: PlateauFactor, Stopped: Stopped, History: _history.ToList());

    /// <summary>Takes over the state of a checkpoint (and its best weights).</summary>
    public void Resume(TrainingCheckpoint.State state, byte[]? bestWeights)
    {
        _history.AddRange(state.History);
        BestEpoch = state.BestEpoch;
        Best = state.BestValue;
        PlateauFactor = state.PlateauFactor;
        EpochsWithoutImprovement = state.EpochsWithoutImprovement;
        BestWeights = bestWeights;
    }
}
