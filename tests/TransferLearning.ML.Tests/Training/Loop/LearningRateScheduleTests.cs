using TransferLearning.ML.Training.Optimization;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// The schedules' factors at chosen steps, against values worked out by hand from the documented formulas
/// (pure double arithmetic: exact up to rounding, hence the 1e-12 tolerance).
/// </summary>
public sealed class LearningRateScheduleTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Constant_is_one_at_every_step_and_epoch()
    {
        foreach (var (step, total, epoch) in new[] { (0, 1, 0), (0, 100, 0), (57, 100, 5), (99, 100, 9) })
            Assert.Equal(1.0, LearningRateSchedule.Constant.Factor(step, total, epoch));
    }

    /// <summary>
    /// One-cycle with fastai's defaults over 201 steps (t = step / 200): cosine warm-up from 1/25 to 1 over the first
    /// quarter (steps 0–50), then cosine annealing to 1/(25·10⁴). Halfway up the cosine is the mean of its ends.
    /// </summary>
    [Theory]
    [InlineData(0, 1.0 / 25)]                               // start: base / DivFactor
    [InlineData(25, (1.0 / 25 + 1) / 2)]                    // halfway through the warm-up
    [InlineData(50, 1.0)]                                   // peak at t = WarmupFraction
    [InlineData(125, (1 + 1.0 / 25 / 1e4) / 2)]             // halfway through the annealing
    [InlineData(200, 1.0 / 25 / 1e4)]                       // end: base / (DivFactor · FinalDivFactor)
    public void One_cycle_warms_up_to_the_peak_then_anneals_to_the_final_rate(int step, double expected) =>
        Assert.Equal(expected, LearningRateSchedule.OneCycle.Factor(step, 201, epoch: 0), Tolerance);

    [Fact]
    public void One_cycle_rises_strictly_during_warm_up_and_falls_strictly_after()
    {
        var factors = Enumerable.Range(0, 201).Select(s => LearningRateSchedule.OneCycle.Factor(s, 201, 0)).ToArray();
        for (int s = 1; s <= 50; s++) Assert.True(factors[s] > factors[s - 1], $"step {s}");
        for (int s = 51; s <= 200; s++) Assert.True(factors[s] < factors[s - 1], $"step {s}");
        Assert.Equal(50, Array.IndexOf(factors, factors.Max()));
    }

    /// <summary>A custom one-cycle: 10 % warm-up from 1/10, annealing to 1/(10·100), over 11 steps (t = step / 10).</summary>
    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(1, 1.0)]
    [InlineData(10, 0.001)]
    public void One_cycle_takes_its_warm_up_and_divisors_from_the_record(int step, double expected) =>
        Assert.Equal(expected, new LearningRateSchedule.OneCycleSchedule(0.1, 10, 100).Factor(step, 11, 0), Tolerance);

    /// <summary>Cosine to zero over 11 steps (t = step / 10): 1, then (1 + cos πt) / 2.</summary>
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(5, 0.5)]
    [InlineData(10, 0.0)]
    public void Cosine_anneals_from_the_base_rate_to_zero(int step, double expected) =>
        Assert.Equal(expected, LearningRateSchedule.Cosine.Factor(step, 11, 0), Tolerance);

    /// <summary>
    /// Cosine with a 20 % linear warm-up and a floor of 0.1 over 11 steps: linear from 0.1 (t = 0) to 1 (t = 0.2),
    /// then cosine down to 0.1; the annealing's midpoint is at t = 0.6, where the factor is (1 + 0.1) / 2.
    /// </summary>
    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(1, 0.55)]   // halfway up the linear warm-up: 0.1 + 0.9 · 0.5
    [InlineData(2, 1.0)]    // end of warm-up: peak
    [InlineData(6, 0.55)]   // halfway down the cosine
    [InlineData(10, 0.1)]   // floor
    public void Cosine_with_warm_up_rises_linearly_then_anneals_to_its_floor(int step, double expected) =>
        Assert.Equal(expected, new LearningRateSchedule.CosineSchedule(WarmupFraction: 0.2, MinFactor: 0.1).Factor(step, 11, 0), Tolerance);

    /// <summary>Step decay ×0.5 every 3 epochs depends on the epoch only, not on the step.</summary>
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.5)]
    [InlineData(5, 0.5)]
    [InlineData(6, 0.25)]
    [InlineData(10, 0.125)]
    public void Step_decay_multiplies_by_gamma_every_few_epochs(int epoch, double expected)
    {
        var schedule = LearningRateSchedule.Step(3, 0.5);
        Assert.Equal(expected, schedule.Factor(0, 100, epoch), Tolerance);
        Assert.Equal(expected, schedule.Factor(99, 100, epoch), Tolerance);
    }

    [Fact]
    public void Reduce_on_plateau_leaves_the_factor_to_the_trainer()
    {
        // the factor is kept by NetworkTrainer (see EarlyStoppingTests.Reduce_on_plateau_...): the schedule itself is flat
        var schedule = LearningRateSchedule.ReduceOnPlateau(0.5, 1);
        Assert.Equal(new LearningRateSchedule.ReduceOnPlateauSchedule(0.5, 1), schedule);
        Assert.Equal(1.0, schedule.Factor(0, 10, 0));
        Assert.Equal(1.0, schedule.Factor(9, 10, 7));
    }

    /// <summary>
    /// A phase of a single optimiser step (e.g. one epoch of one batch: a training split no larger than the batch)
    /// used to read t = 1, the schedule's end (cosine 0, one-cycle 4e-6), so that step trained nothing; it now
    /// trains at the base rate.
    /// </summary>
    [Fact]
    public void A_one_step_phase_trains_at_a_non_vanishing_rate()
    {
        Assert.Equal(1.0, LearningRateSchedule.Cosine.Factor(0, 1, 0));
        Assert.Equal(1.0, LearningRateSchedule.OneCycle.Factor(0, 1, 0));
        Assert.Equal(1.0, new LearningRateSchedule.CosineSchedule(WarmupFraction: 0.5, MinFactor: 0.1).Factor(0, 1, 0));
    }
}
