namespace TransferLearning.ML.Training;

/// <summary>
/// What one training phase did (feature extraction: <c>head</c>; fine-tuning: <c>head</c> then <c>finetune</c>;
/// from scratch: <c>scratch</c>). Each phase has its own early-stopping patience: a head phase that stops early
/// does not skip the fine-tuning phase.
/// </summary>
/// <param name="Name">The phase, as in <see cref="EpochMetrics.Phase"/>.</param>
/// <param name="PlannedEpochs">Epochs the options asked for.</param>
/// <param name="EpochsRun">Epochs trained (fewer than planned when early stopping ended the phase).</param>
public sealed record PhaseSummary(string Name, int PlannedEpochs, int EpochsRun)
{
    /// <summary>Whether early stopping ended the phase before its planned epochs.</summary>
    public bool StoppedEarly => EpochsRun < PlannedEpochs;

    /// <summary>The phases of a run, from the epochs it recorded.</summary>
    internal static IReadOnlyList<PhaseSummary> From(IEnumerable<(string Name, int Epochs)> plan, IReadOnlyList<EpochMetrics> history) =>
        plan.Where(p => p.Epochs > 0)
            .Select(p => new PhaseSummary(p.Name, p.Epochs, history.Count(e => e.Phase == p.Name)))
            .ToList();
}
