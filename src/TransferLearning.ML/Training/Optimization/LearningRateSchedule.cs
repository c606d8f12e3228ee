namespace TransferLearning.ML.Training.Optimization;

/// <summary>
/// How the learning rate changes during a training phase. Every parameter group's rate is its base rate times the
/// schedule's factor, so per-block (discriminative) rates keep their ratios.
/// </summary>
public abstract record LearningRateSchedule
{
    private LearningRateSchedule() { }

    /// <summary>The factor for optimiser step <paramref name="step"/> of <paramref name="totalSteps"/> (0-based) in
    /// epoch <paramref name="epoch"/> (0-based) of a phase.</summary>
    public abstract double Factor(int step, int totalSteps, int epoch);

    /// <summary>Constant rate.</summary>
    public sealed record ConstantSchedule : LearningRateSchedule
    {
        /// <inheritdoc />
        public override double Factor(int step, int totalSteps, int epoch) => 1.0;
    }

    /// <summary>
    /// One-cycle (Smith 2018; fastai's default): cosine warm-up from base/<see cref="DivFactor"/> to base over the first
    /// <see cref="WarmupFraction"/> of the steps, then cosine annealing to base/(DivFactor·FinalDivFactor). A phase of
    /// a single step trains at the base rate.
    /// </summary>
    public sealed record OneCycleSchedule(double WarmupFraction = 0.25, double DivFactor = 25, double FinalDivFactor = 1e4) : LearningRateSchedule
    {
        /// <inheritdoc />
        public override double Factor(int step, int totalSteps, int epoch)
        {
            if (totalSteps <= 1) return 1;   // a phase of one step trains at the base rate, not at the cycle's end
            double t = (double)step / (totalSteps - 1);
            double start = 1 / DivFactor, end = start / FinalDivFactor;
            if (t < WarmupFraction) return Interpolate(start, 1, t / WarmupFraction);
            return Interpolate(1, end, (t - WarmupFraction) / Math.Max(1e-12, 1 - WarmupFraction));
        }
    }

    /// <summary>Cosine annealing from the base rate to base·<see cref="MinFactor"/>, after an optional linear warm-up. A
    /// phase of a single step trains at the base rate.</summary>
    public sealed record CosineSchedule(double WarmupFraction = 0, double MinFactor = 0) : LearningRateSchedule
    {
        /// <inheritdoc />
        public override double Factor(int step, int totalSteps, int epoch)
        {
            if (totalSteps <= 1) return 1;   // a phase of one step trains at the base rate, not at the annealing's end
            double t = (double)step / (totalSteps - 1);
            if (t < WarmupFraction) return (t / WarmupFraction) * (1 - MinFactor) + MinFactor;
            return Interpolate(1, MinFactor, (t - WarmupFraction) / Math.Max(1e-12, 1 - WarmupFraction));
        }
    }

    /// <summary>Multiply the rate by <see cref="Gamma"/> every <see cref="EveryEpochs"/> epochs.</summary>
    public sealed record StepSchedule(int EveryEpochs, double Gamma = 0.1) : LearningRateSchedule
    {
        /// <inheritdoc />
        public override double Factor(int step, int totalSteps, int epoch) => Math.Pow(Gamma, epoch / Math.Max(1, EveryEpochs));
    }

    /// <summary>
    /// Multiply the rate by <see cref="ReduceFactor"/> when the monitored validation metric has not improved for
    /// <see cref="Patience"/> epochs (Keras' ReduceLROnPlateau). The factor is kept by the trainer, not computed here.
    /// </summary>
    public sealed record ReduceOnPlateauSchedule(double ReduceFactor = 0.1, int Patience = 2, double MinFactor = 1e-3) : LearningRateSchedule
    {
        /// <inheritdoc />
        public override double Factor(int step, int totalSteps, int epoch) => 1.0;
    }

    /// <summary>Constant rate.</summary>
    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    /// <summary>One-cycle with fastai's defaults (25 % warm-up).</summary>
    public static LearningRateSchedule OneCycle { get; } = new OneCycleSchedule();

    /// <summary>Cosine annealing to zero.</summary>
    public static LearningRateSchedule Cosine { get; } = new CosineSchedule();

    /// <summary>Step decay: ×<paramref name="gamma"/> every <paramref name="everyEpochs"/> epochs.</summary>
    public static LearningRateSchedule Step(int everyEpochs, double gamma = 0.1) => new StepSchedule(everyEpochs, gamma);

    /// <summary>Reduce on plateau of the monitored validation metric.</summary>
    public static LearningRateSchedule ReduceOnPlateau(double factor = 0.1, int patience = 2) => new ReduceOnPlateauSchedule(factor, patience);

    private static double Interpolate(double from, double to, double t) =>
        to + (from - to) * (1 + Math.Cos(Math.PI * Math.Clamp(t, 0, 1))) / 2;
}
