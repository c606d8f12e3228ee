using TransferLearning.ML.Data;
using TransferLearning.ML.Runtime;

namespace TransferLearning.ML.Interpretability;

/// <summary>
/// A Grad-CAM heatmap of one image: where the network looked for <see cref="ClassIndex"/>, at the resolution of
/// the network's input.
/// </summary>
public sealed class GradCamResult
{
    internal GradCamResult(float[,] heatmap, int classIndex, float score, float probability, string layerName, DecodedImage image)
    {
        Heatmap = heatmap;
        ClassIndex = classIndex;
        Score = score;
        Probability = probability;
        LayerName = layerName;
        Image = image;
    }

    /// <summary>The class-activation map, [height, width] of the network input, normalised to [0, 1] (all zeros when no location raises the class score).</summary>
    public float[,] Heatmap { get; }

    /// <summary>The class explained.</summary>
    public int ClassIndex { get; }

    /// <summary>The class's raw score (logit).</summary>
    public float Score { get; }

    /// <summary>The class's softmax probability.</summary>
    public float Probability { get; }

    /// <summary>The ONNX name of the tensor whose activations were weighted.</summary>
    public string LayerName { get; }

    /// <summary>The network input as an 8-bit RGB image: resized and cropped as preprocessed, normalisation undone.</summary>
    internal DecodedImage Image { get; }

    /// <summary>The (row, column) of the heatmap's maximum (first one in row-major order).</summary>
    public (int Y, int X) Peak
    {
        get
        {
            int height = Heatmap.GetLength(0), width = Heatmap.GetLength(1);
            (int Y, int X) best = (0, 0);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    if (Heatmap[y, x] > Heatmap[best.Y, best.X]) best = (y, x);
            return best;
        }
    }

    /// <summary>The heatmap in a jet colour map blended over <see cref="Image"/>, as PNG bytes.</summary>
    /// <param name="alpha">Opacity of the heatmap, in [0, 1]; default 0.45.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside [0, 1].</exception>
    public byte[] OverlayPng(double alpha = 0.45) => HeatmapOverlay.Png(Image, Heatmap, alpha);

    /// <summary>Writes <see cref="OverlayPng"/> to <paramref name="path"/> (its folder is created).</summary>
    /// <param name="path">Destination .png file.</param>
    /// <param name="alpha">Opacity of the heatmap, in [0, 1]; default 0.45.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is outside [0, 1].</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path, double alpha = 0.45) => AtomicFile.WriteAllBytes(path, OverlayPng(alpha));
}
