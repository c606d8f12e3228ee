namespace TransferLearning.ML.Data;

/// <summary>
/// Stratified hold-out and k-fold splits, per sample or per group. Per sample, each class is shuffled and cut at
/// rounded shares (exact within one image). Per group, groups are shuffled, ordered largest first and each is given
/// to the part whose class counts it brings closest to their targets, so no group is in two parts.
/// </summary>
internal static class StratifiedSplitter
{
    public static DatasetSplit Split(ImageDataset dataset, double validation, double test, int seed, bool byGroup)
    {
        if (validation is < 0 or >= 1 || double.IsNaN(validation))
            throw new ArgumentOutOfRangeException(nameof(validation), validation, "The validation fraction must be in [0, 1).");
        if (test is < 0 or >= 1 || double.IsNaN(test))
            throw new ArgumentOutOfRangeException(nameof(test), test, "The test fraction must be in [0, 1).");
        if (validation + test >= 1)
            throw new ArgumentOutOfRangeException(nameof(test), test, "validation + test must leave some images to train on.");

        double[] fractions = [1 - validation - test, validation, test];
        int[] part = byGroup ? AssignGroups(dataset, fractions, seed) : AssignSamples(dataset, fractions, seed);
        ImageDataset Part(int p) => dataset.Subset(Enumerable.Range(0, dataset.Count).Where(i => part[i] == p));
        return new DatasetSplit(Part(0), Part(1), Part(2));
    }

    public static IReadOnlyList<(ImageDataset Train, ImageDataset Validation)> KFold(ImageDataset dataset, int k, int seed, bool byGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, dataset.Count);
        int[] fold = byGroup ? AssignGroups(dataset, Enumerable.Repeat(1.0 / k, k).ToArray(), seed) : DealFolds(dataset, k, seed);
        var folds = new List<(ImageDataset, ImageDataset)>(k);
        for (int f = 0; f < k; f++)
        {
            int current = f;
            folds.Add((dataset.Subset(Enumerable.Range(0, dataset.Count).Where(i => fold[i] != current)),
                       dataset.Subset(Enumerable.Range(0, dataset.Count).Where(i => fold[i] == current))));
        }
        return folds;
    }

    private static int[] AssignSamples(ImageDataset dataset, double[] fractions, int seed)
    {
        var part = new int[dataset.Count];
        var random = new Random(seed);
        foreach (List<int> members in dataset.IndicesByClass())
        {
            int[] shuffled = members.ToArray();
            random.Shuffle(shuffled);
            // cumulative rounding keeps every part within one image of its exact share and the sum exact
            int start = 0;
            double cumulative = 0;
            for (int p = 0; p < fractions.Length; p++)
            {
                cumulative += fractions[p];
                int end = p == fractions.Length - 1 ? shuffled.Length : (int)Math.Round(cumulative * shuffled.Length, MidpointRounding.AwayFromZero);
                for (int i = start; i < end; i++) part[shuffled[i]] = p;
                start = Math.Max(start, end);
            }
        }
        return part;
    }

    private static int[] DealFolds(ImageDataset dataset, int k, int seed)
    {
        var fold = new int[dataset.Count];
        var random = new Random(seed);
        int next = 0;
        foreach (List<int> members in dataset.IndicesByClass())
        {
            int[] shuffled = members.ToArray();
            random.Shuffle(shuffled);
            // continue dealing where the previous class stopped so fold sizes stay balanced overall
            foreach (int index in shuffled) { fold[index] = next; next = (next + 1) % k; }
        }
        return fold;
    }

    private static int[] AssignGroups(ImageDataset dataset, double[] fractions, int seed)
    {
        int classes = dataset.ClassNames.Count;
        // a sample without a group is its own group
        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < dataset.Count; i++)
        {
            string key = dataset.Samples[i].Group is { } g ? "g:" + g : "s:" + i;
            if (!groups.TryGetValue(key, out List<int>? members)) groups[key] = members = [];
            members.Add(i);
        }
        var ordered = groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Value).ToArray();
        new Random(seed).Shuffle(ordered);
        // stable sort keeps the shuffled order among equal sizes
        ordered = ordered.OrderByDescending(g => g.Count).ToArray();

        IReadOnlyList<int> totals = dataset.ClassCounts();
        var counts = new double[fractions.Length, classes];
        var part = new int[dataset.Count];
        var groupCounts = new int[classes];
        foreach (List<int> members in ordered)
        {
            Array.Clear(groupCounts);
            foreach (int i in members) groupCounts[dataset.Samples[i].Label]++;
            int best = 0;
            double bestCost = double.PositiveInfinity;
            for (int p = 0; p < fractions.Length; p++)
            {
                if (fractions[p] <= 0) continue;
                // change in squared relative deviation from the targets if the group joins part p
                double cost = 0;
                for (int c = 0; c < classes; c++)
                {
                    if (groupCounts[c] == 0) continue;
                    double target = fractions[p] * totals[c];
                    double before = counts[p, c] - target, after = before + groupCounts[c];
                    cost += (after * after - before * before) / Math.Max(1, totals[c]);
                }
                if (cost < bestCost) { bestCost = cost; best = p; }
            }
            for (int c = 0; c < classes; c++) counts[best, c] += groupCounts[c];
            foreach (int i in members) part[i] = best;
        }
        // few, large groups can leave a small part (a 15 % validation split) without any: a part that should have
        // images takes the smallest group of the part with the most, as long as that part keeps one
        var groupOf = ordered.ToList();
        for (int p = 0; p < fractions.Length; p++)
        {
            if (fractions[p] <= 0 || groupOf.Any(g => part[g[0]] == p)) continue;
            int largest = Enumerable.Range(0, fractions.Length).MaxBy(q => groupOf.Where(g => part[g[0]] == q).Sum(g => g.Count));
            var donors = groupOf.Where(g => part[g[0]] == largest).ToList();
            if (donors.Count < 2) continue;
            foreach (int i in donors.Last()) part[i] = p;   // ordered largest first: the last is a smallest one
        }
        return part;
    }
}
