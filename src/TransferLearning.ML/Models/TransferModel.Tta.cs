using TransferLearning.ML.Data;

namespace TransferLearning.ML.Models;

public sealed partial class TransferModel
{
    /// <summary>Classifies the image file at <paramref name="path"/> with test-time augmentation.</summary>
    /// <exception cref="ImageDataException">The file is missing or not a readable image.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PredictionDetails Predict(string path, PredictionOptions options) => Predict(ImageSource.FromFile(path), options);

    /// <summary>
    /// Classifies an image with test-time augmentation (the mean of the probabilities of the plain image and
    /// <see cref="PredictionOptions.TestTimeAugmentationViews"/> seeded augmented views, run as one batch). With
    /// default options it equals
    /// <see cref="Predict(ImageSource)"/>.
    /// </summary>
    /// <param name="source">The encoded image.</param>
    /// <param name="options">Views, augmentation and seed.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ImageDataException">The image is not readable.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PredictionDetails Predict(ImageSource source, PredictionOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int views = options.TestTimeAugmentationViews + 1, values = Preprocessing.ValuesPerImage, classes = ClassNames.Count;
        var image = new DecodedImage();
        new ImageDecoder(MaxImagePixels).Decode(source, image, Preprocessing);
        var tensorizer = new Tensorizer(Preprocessing);
        var batch = new float[views * values];
        var augmentation = options.Augmentation ?? Augmentations.Light;
        tensorizer.Write(image, batch.AsSpan(0, values));
        // view k uses the stream of (seed, epoch k, sample 0), as ModelEvaluator's view k of a single-image dataset
        for (int k = 1; k < views; k++)
            tensorizer.Write(image, batch.AsSpan(k * values, values), augmentation, new AugmentationRandom(options.Seed, k, 0));
        float[] output = Run(batch, views);
        var mean = new float[classes];
        for (int k = 0; k < classes; k++)
        {
            double sum = 0;
            for (int v = 0; v < views; v++) sum += output[v * classes + k];
            mean[k] = (float)(sum / views);
        }
        Prediction prediction = ToPrediction(mean);
        return new PredictionDetails(prediction, views);
    }

    /// <summary>
    /// Class probabilities of every image of <paramref name="dataset"/>, in dataset order, averaged over the plain
    /// image and <paramref name="views"/> augmented views; view k is epoch k of a loader seeded with <paramref name="seed"/>.
    /// </summary>
    /// <remarks>
    /// With <paramref name="skipped"/> given, an image that cannot be read (in any view) is reported there once and
    /// its row is <see cref="float.NaN"/>; otherwise it raises <see cref="ImageDataException"/>.
    /// </remarks>
    internal float[,] PredictAveragedProbabilities(ImageDataset dataset, int views, AugmentationPipeline augmentation, int seed,
        int batchSize, CancellationToken cancellationToken, Action<SkippedFile>? skipped = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int classes = ClassNames.Count;
        var sums = new double[dataset.Count, classes];
        var seen = new int[dataset.Count];
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (int view = 0; view <= views; view++)
        {
            using var loader = new ImageBatchLoader(dataset, Preprocessing, new BatchLoaderOptions
            {
                BatchSize = batchSize, Augmentation = view == 0 ? null : augmentation, Seed = seed,
                MaxImagePixels = MaxImagePixels, SkipUnreadableImages = skipped is not null,
            });
            if (skipped is not null)
                loader.ImageSkipped += (_, file) => { lock (reported) if (reported.Add(file.Path)) skipped(file); };
            foreach (var batch in loader.ReadEpoch(view, cancellationToken))
            {
                float[] output = Run(batch.Buffer.AsSpan(0, batch.Count * Preprocessing.ValuesPerImage), batch.Count);
                for (int i = 0; i < batch.Count; i++)
                {
                    seen[batch.SampleIndices[i]]++;
                    for (int k = 0; k < classes; k++) sums[batch.SampleIndices[i], k] += output[i * classes + k];
                }
            }
        }
        var probabilities = new float[dataset.Count, classes];
        for (int i = 0; i < dataset.Count; i++)
            for (int k = 0; k < classes; k++)
                probabilities[i, k] = seen[i] == views + 1 ? (float)(sums[i, k] / (views + 1)) : float.NaN;
        return probabilities;
    }
}
