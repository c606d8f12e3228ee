using System.Globalization;
using Google.Protobuf;
using TransferLearning.ML.Data;
using TransferLearning.ML.Metrics;
using TransferLearning.ML.Onnx;
using TransferLearning.ML.Onnx.Proto;

namespace TransferLearning.ML.Models;

public sealed partial class TransferModel
{
    private const string ChannelPrefix = "tl.channels/";

    /// <summary>
    /// For an ensemble built by <see cref="Ensemble"/>: its members in graph order; empty for a single model.
    /// </summary>
    public IReadOnlyList<EnsembleMember> EnsembleMembers => Manifest.Members is not { } members ? [] : members
        .Select(m => new EnsembleMember(m.BackboneName, m.BackboneSha256, TrainingModeNames.Parse(m.Mode), m.Weight,
            m.Preprocessing.ToPreprocessing(), m.DecisionThreshold, SplitScores.FromManifest(m.Metrics, "validation")))
        .ToArray();

    /// <summary>
    /// An ensemble of trained models: one model whose class probabilities are the weighted mean of the members'.
    /// Its graph is one standard ONNX graph holding every member's classifier graph side by side, each behind its own
    /// normalisation (and channel reordering where the members' channel orders differ), and the average computed
    /// with ONNX operators (<c>Mean</c>, or <c>Mul</c> and <c>Sum</c> for unequal weights); its <c>logits</c> output is
    /// the logarithm of the averaged probabilities. The result predicts, evaluates, saves and exports like any
    /// other <see cref="TransferModel"/>; the members are not changed and may be disposed afterwards.
    /// </summary>
    /// <remarks>
    /// <para>Input: what every member reads, before normalisation — images resized to the members' common size by
    /// their common resize mode, planes in member 0's channel order, scaled to [0, 1]. The ensemble's
    /// <see cref="Preprocessing"/> is therefore member 0's with <see cref="Normalization.ZeroToOne"/>; each member's
    /// own <c>(x − mean) / std</c> (and RGB↔BGR swap) is a Sub, Div (and Gather) node in front of its graph.</para>
    /// <para>Decision threshold: for two classes the ensemble starts at 0.5 (<see cref="Metrics.ThresholdPolicy.Default"/>);
    /// the members' own thresholds are not averaged. Choose one on validation images with
    /// <see cref="WithValidation"/>. For more classes it predicts the argmax.</para>
    /// <para><see cref="Mode"/> is the members' common mode (member 0's when they differ, see
    /// <see cref="EnsembleMembers"/>); <see cref="BackboneName"/> reads <c>ensemble: a + b</c> and
    /// <see cref="BackboneSha256"/> joins the members' with <c>+</c>. No validation or test scores are recorded
    /// until <see cref="WithValidation"/> is called.</para>
    /// </remarks>
    /// <param name="members">Two or more trained models with the same class names (in the same order), image size,
    /// resize mode and channel count. Channel order and normalisation may differ.</param>
    /// <param name="weights">One positive weight per member (normalised to sum 1); default: equal weights.</param>
    /// <exception cref="ArgumentNullException"><paramref name="members"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than two members, a null member, class names or preprocessing
    /// that differ between members (the message names both and what to change), or weights that are not one
    /// positive finite number per member.</exception>
    /// <exception cref="ObjectDisposedException">A member was disposed.</exception>
    public static TransferModel Ensemble(IReadOnlyList<TransferModel> members, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2)
            throw new ArgumentException($"An ensemble needs at least two member models (got {members.Count}).", nameof(members));
        for (int i = 0; i < members.Count; i++)
        {
            if (members[i] is null) throw new ArgumentException($"members[{i}] is null.", nameof(members));
            members[i].ThrowIfDisposed();
        }
        var first = members[0];
        for (int i = 1; i < members.Count; i++) CheckCompatible(first, members[i], i);
        double[] normalised = NormaliseWeights(weights, members.Count);

        var shared = first.Preprocessing with { Normalization = Normalization.ZeroToOne };
        string input = first._inputName;
        ModelProto merged;
        try
        {
            merged = GraphMerge.Average(members.Select(m => m.MemberGraph(shared, input)).ToList(), input,
                ClassifierOutputs.Probabilities, ClassifierOutputs.Logits, normalised.Select(w => (float)w).ToArray());
        }
        catch (OnnxModelException e)
        {
            throw new ArgumentException($"The members' graphs cannot be put in one ONNX graph: {e.Message}", nameof(members), e);
        }
        merged.ProducerName = "TransferLearning.ML";
        merged.ProducerVersion = first.LibraryVersion;

        var modes = members.Select(m => m.Manifest.Mode).Distinct(StringComparer.Ordinal).ToArray();
        bool twoClasses = first.ClassNames.Count == 2;
        string Weights() => string.Join(", ", normalised.Select(w => w.ToString("0.####", CultureInfo.InvariantCulture)));
        var manifest = new ModelManifest
        {
            ClassNames = first.ClassNames.ToArray(),
            Preprocessing = PreprocessingManifest.From(shared),
            DecisionThreshold = twoClasses ? 0.5 : null,
            ThresholdPolicy = twoClasses ? ML.Metrics.ThresholdPolicy.Default.ToString() : "argmax",
            BackboneName = "ensemble: " + string.Join(" + ", members.Select(m => m.BackboneName)),
            BackboneSha256 = string.Join("+", members.Select(m => m.BackboneSha256)),
            Mode = modes[0],
            InputName = input,
            TrainingOptions = new Dictionary<string, string>
            {
                ["ensemble.members"] = members.Count.ToString(CultureInfo.InvariantCulture),
                ["ensemble.weights"] = Weights(),
                ["ensemble.average"] = "mean of the members' class probabilities",
            },
            Members = members.Select((m, i) => new EnsembleMemberManifest(m.BackboneName, m.BackboneSha256, m.Manifest.Mode, normalised[i],
                m.Manifest.Preprocessing, m.DecisionThreshold,
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(m._onnx)),
                m.Manifest.Metrics.Where(p => double.IsFinite(p.Value)).ToDictionary(p => p.Key, p => p.Value))).ToArray(),
        };
        return new TransferModel(merged.ToByteArray(), manifest) { MaxImagePixels = members.Min(m => m.MaxImagePixels) };
    }

    /// <summary>
    /// A copy of this model scored on <paramref name="validation"/>: its <see cref="ValidationScores"/> recorded
    /// and, for two classes, its <see cref="DecisionThreshold"/> chosen there by <paramref name="policy"/> (as
    /// <c>TransferLearner.Fit</c> does), e.g. for an <see cref="Ensemble"/>. This model is not changed. When the
    /// threshold changes, the recorded <see cref="TestScores"/> (computed at the old one) are dropped.
    /// </summary>
    /// <param name="validation">Labelled images with the model's class names (e.g. the split the members were selected on).</param>
    /// <param name="policy">How the threshold is chosen; default <see cref="Metrics.ThresholdPolicy.Default"/> (0.5).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <exception cref="ArgumentNullException"><paramref name="validation"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset is empty or names other classes than the model.</exception>
    /// <exception cref="ImageDataException">An image cannot be read.</exception>
    /// <exception cref="ObjectDisposedException">The model was disposed.</exception>
    public TransferModel WithValidation(ImageDataset validation, ThresholdPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(validation);
        if (validation.Count == 0) throw new ArgumentException("The validation dataset has no images.", nameof(validation));
        if (!validation.ClassNames.SequenceEqual(ClassNames))
            throw new ArgumentException(
                $"The validation dataset's classes ({string.Join(", ", validation.ClassNames)}) are not the model's ({string.Join(", ", ClassNames)}); " +
                "load it with new ImageDatasetOptions { ClassNames = model.ClassNames }.", nameof(validation));
        policy ??= ML.Metrics.ThresholdPolicy.Default;
        var (labels, probabilities, _) = PredictProbabilities(validation, cancellationToken: cancellationToken);
        bool twoClasses = ClassNames.Count == 2;
        double? threshold = null;
        if (twoClasses)
        {
            var positives = new float[labels.Length];
            for (int i = 0; i < positives.Length; i++) positives[i] = probabilities[i, 1];
            double chosen = policy.Choose(labels, positives);
            threshold = double.IsFinite(chosen) ? chosen : 0.5;
        }
        var metrics = MetricsCalculator.Compute(labels, probabilities, ClassNames,
            new MetricsOptions { Threshold = threshold ?? 0.5, BootstrapSamples = 0 }, cancellationToken);
        bool thresholdChanged = threshold != DecisionThreshold;
        var recorded = Manifest.Metrics
            .Where(p => !p.Key.StartsWith("validation.", StringComparison.Ordinal) && !(thresholdChanged && p.Key.StartsWith("test.", StringComparison.Ordinal)))
            .Concat(SplitScores.From(metrics).ToManifest("validation"))
            .ToDictionary(p => p.Key, p => p.Value);
        return new TransferModel(_onnx, Manifest with
        {
            DecisionThreshold = threshold,
            ThresholdPolicy = twoClasses ? policy.ToString() : "argmax",
            Metrics = recorded,
        }) { MaxImagePixels = MaxImagePixels, IntraOpThreads = IntraOpThreads };
    }

    private static void CheckCompatible(TransferModel first, TransferModel member, int index)
    {
        if (!member.ClassNames.SequenceEqual(first.ClassNames, StringComparer.Ordinal))
            throw new ArgumentException(
                $"members[{index}] ({member.BackboneName}) has the classes [{string.Join(", ", member.ClassNames)}], members[0] " +
                $"({first.BackboneName}) [{string.Join(", ", first.ClassNames)}]: an ensemble averages class probabilities, so every member " +
                "needs the same class names in the same order. Train the members on the same class folders (or load the data with " +
                "ImageDatasetOptions.ClassNames set to one list) and ensemble them again.", "members");
        var a = first.Preprocessing;
        var b = member.Preprocessing;
        if (a.Width != b.Width || a.Height != b.Height || a.ResizeMode != b.ResizeMode || a.Channels != b.Channels)
            throw new ArgumentException(
                $"members[{index}] ({member.BackboneName}) reads {b.Width}×{b.Height} images ({b.ResizeMode}, {b.Channels} channels), members[0] " +
                $"({first.BackboneName}) {a.Width}×{a.Height} ({a.ResizeMode}, {a.Channels} channels): the ensemble gives every member the same " +
                "resized image, so size, resize mode and channel count must match (channel order and normalisation may differ; each member " +
                "normalises inside the graph). Train the members with the same image size and resize mode (ImagePreprocessing, " +
                "TransferLearner.WithPreprocessing) and ensemble them again.", "members");
    }

    private static double[] NormaliseWeights(IReadOnlyList<double>? weights, int count)
    {
        if (weights is null) return Enumerable.Repeat(1.0 / count, count).ToArray();
        if (weights.Count != count)
            throw new ArgumentException($"{weights.Count} weights for {count} members: give one weight per member (or none for equal weights).", nameof(weights));
        for (int i = 0; i < count; i++)
            if (!double.IsFinite(weights[i]) || weights[i] <= 0)
                throw new ArgumentException($"weights[{i}] is {weights[i].ToString(CultureInfo.InvariantCulture)}; every weight must be a positive finite number.", nameof(weights));
        double sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    /// <summary>
    /// This model's classifier graph reading <paramref name="input"/> in <paramref name="shared"/>'s form (pixels in
    /// [0, 1], shared's channel order): a Gather swaps the planes where the channel orders differ, then Sub and Div
    /// apply this model's own normalisation.
    /// </summary>
    private ModelProto MemberGraph(ImagePreprocessing shared, string input)
    {
        var model = ModelProto.Parser.ParseFrom(_onnx);
        Onnx.OpsetUpgrade.Apply(model);
        model.MetadataProps.Clear();
        var graph = model.Graph;
        NormalizationBaking.Prepend(graph, _inputName, Preprocessing, input);
        if (Preprocessing.Channels == 3 && Preprocessing.ChannelOrder != shared.ChannelOrder)
        {
            string order = ChannelPrefix + "order", reordered = ChannelPrefix + "reordered";
            foreach (var node in graph.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == input) node.Input[i] = reordered;
            var indices = new TensorProto { Name = order, DataType = (int)TensorProto.Types.DataType.Int64 };
            indices.Dims.Add(3);
            byte[] raw = new byte[3 * sizeof(long)];
            Buffer.BlockCopy(new long[] { 2, 1, 0 }, 0, raw, 0, raw.Length);
            indices.RawData = ByteString.CopyFrom(raw);
            graph.Initializer.Add(indices);
            var gather = new NodeProto { OpType = "Gather", Name = ChannelPrefix + "gather" };
            gather.Input.Add([input, order]);
            gather.Output.Add(reordered);
            gather.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Insert(0, gather);
        }
        return model;
    }
}
