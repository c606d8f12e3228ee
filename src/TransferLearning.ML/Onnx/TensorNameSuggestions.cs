namespace TransferLearning.ML.Onnx;

/// <summary>Picks the tensor names closest to a misspelt one, for error messages.</summary>
internal static class TensorNameSuggestions
{
    /// <summary>Names containing the wanted one (or contained in it) first, then by edit distance.</summary>
    public static IReadOnlyList<string> Nearest(string wanted, IEnumerable<string> names, int count) =>
        names
            .Select(name => (Name: name, Score: Score(wanted, name)))
            .OrderBy(x => x.Score)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(x => x.Name)
            .ToArray();

    private static int Score(string wanted, string name)
    {
        int distance = EditDistance(wanted.ToLowerInvariant(), name.ToLowerInvariant());
        bool related = name.Contains(wanted, StringComparison.OrdinalIgnoreCase)
                       || wanted.Contains(name, StringComparison.OrdinalIgnoreCase);
        return related ? distance - 1000 : distance;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
