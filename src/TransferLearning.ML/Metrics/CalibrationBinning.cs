namespace TransferLearning.ML.Metrics;

/// <summary>Top-label calibration: bins of the largest probability and the expected calibration error over them.</summary>
internal static class CalibrationBinning
{
    public static (CalibrationBin[] Bins, double ExpectedCalibrationError) Compute(
        IReadOnlyList<int> labels, float[,] probabilities, int binCount)
    {
        int n = probabilities.GetLength(0);
        var counts = new int[binCount];
        var confidenceSums = new double[binCount];
        var correctSums = new double[binCount];
        for (int i = 0; i < n; i++)
        {
            int top = MetricsCalculator.ArgMax(probabilities, i);
            double confidence = probabilities[i, top];
            int b = BinOf(confidence, binCount);
            counts[b]++;
            confidenceSums[b] += confidence;
            if (top == labels[i]) correctSums[b]++;
        }

        var bins = new CalibrationBin[binCount];
        double ece = 0;
        for (int b = 0; b < binCount; b++)
        {
            double meanConfidence = counts[b] == 0 ? double.NaN : confidenceSums[b] / counts[b];
            double accuracy = counts[b] == 0 ? double.NaN : correctSums[b] / counts[b];
            bins[b] = new CalibrationBin(Edge(b, binCount), Edge(b + 1, binCount), counts[b], meanConfidence, accuracy);
            if (counts[b] > 0) ece += (double)counts[b] / n * Math.Abs(accuracy - meanConfidence);
        }
        return (bins, ece);
    }

    private static double Edge(int i, int binCount) => i / (double)binCount;

    /// <summary>The bin (lower, upper] holding <paramref name="confidence"/>, decided by the same edge values the bins report.</summary>
    private static int BinOf(double confidence, int binCount)
    {
        int b = Math.Clamp((int)Math.Ceiling(confidence * binCount) - 1, 0, binCount - 1);
        // the product can round across an edge; settle it against the edges themselves
        while (b > 0 && confidence <= Edge(b, binCount)) b--;
        while (b < binCount - 1 && confidence > Edge(b + 1, binCount)) b++;
        return b;
    }
}
