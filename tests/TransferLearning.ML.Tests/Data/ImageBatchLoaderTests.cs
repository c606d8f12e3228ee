using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class ImageBatchLoaderTests : IDisposable
{
    private static readonly ImagePreprocessing Small = new() { Width = 16, Height = 16 };
    private readonly TempFolder _folder = new();
    private readonly ImageDataset _dataset;

    public ImageBatchLoaderTests()
    {
        // 37 images (not a multiple of the batch size), three classes, each image a different colour and size
        for (int i = 0; i < 37; i++)
        {
            string path = _folder.File($"class{i % 3}", $"{i:D2}.png");
            File.WriteAllBytes(path, EncodedImages.Skia(20 + i % 5, 18 + i % 4, (x, y) => new SKColor((byte)(i * 6), (byte)(x * 10), (byte)(y * 12))));
        }
        _dataset = ImageDataset.FromFolder(_folder.Path);
    }

    public void Dispose() => _folder.Dispose();

    private static List<(float[] Pixels, int[] Labels, int[] Indices)> ReadAll(ImageBatchLoader loader, int epoch) =>
        loader.ReadEpoch(epoch).Select(b => (b.Pixels.ToArray(), b.Labels, b.SampleIndices)).ToList();

    [Fact]
    public void Every_sample_comes_exactly_once_per_epoch_in_shuffled_order()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 3, WorkerCount = 2 });
        var batches = ReadAll(loader, 0);
        int[] indices = batches.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 37), indices.Order());
        Assert.NotEqual(Enumerable.Range(0, 37), indices);
        Assert.Equal(loader.EpochOrder(0), indices);
        Assert.Equal(5, loader.Count);
        Assert.Equal([8, 8, 8, 8, 5], batches.Select(b => b.Labels.Length));
    }

    [Fact]
    public void Labels_match_the_samples()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 8, Shuffle = true });
        foreach (ImageBatch batch in loader.ReadEpoch(1))
            for (int i = 0; i < batch.Count; i++)
                Assert.Equal(_dataset.Samples[batch.SampleIndices[i]].Label, batch.Labels[i]);
    }

    [Fact]
    public void Another_epoch_visits_in_another_order()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { Shuffle = true, Seed = 3 });
        using var twin = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { Shuffle = true, Seed = 3 });
        Assert.NotEqual(loader.EpochOrder(0), loader.EpochOrder(1));
        Assert.Equal(loader.EpochOrder(1), twin.EpochOrder(1));
    }

    [Fact]
    public void Output_equals_single_threaded_decoding_and_tensorisation()
    {
        var options = new BatchLoaderOptions { BatchSize = 6, Shuffle = true, Seed = 11, WorkerCount = 3, Augmentation = Augmentations.Strong };
        using var loader = new ImageBatchLoader(_dataset, Small, options);
        var decoder = new ImageDecoder();
        var image = new DecodedImage();
        var tensorizer = new Tensorizer(Small);
        var expected = new float[Small.ValuesPerImage];
        foreach (ImageBatch batch in loader.ReadEpoch(epoch: 2))
            for (int i = 0; i < batch.Count; i++)
            {
                int index = batch.SampleIndices[i];
                decoder.Decode(_dataset.Samples[index].Source, image, Small);
                tensorizer.Write(image, expected, Augmentations.Strong, new AugmentationRandom(11, 2, index));
                Assert.Equal(expected, batch.Pixels.Slice(i * Small.ValuesPerImage, Small.ValuesPerImage).ToArray());
            }
    }

    [Fact]
    public void Worker_count_does_not_change_the_batches()
    {
        var options = new BatchLoaderOptions { BatchSize = 5, Shuffle = true, Seed = 1, Augmentation = Augmentations.Standard, PrefetchBatches = 1 };
        using var one = new ImageBatchLoader(_dataset, Small, options with { WorkerCount = 1 });
        using var four = new ImageBatchLoader(_dataset, Small, options with { WorkerCount = 4 });
        var a = ReadAll(one, 7);
        var b = ReadAll(four, 7);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Indices, b[i].Indices);
            Assert.Equal(a[i].Pixels, b[i].Pixels);
        }
    }

    [Fact]
    public void Augmented_pixels_differ_between_epochs()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 37, Augmentation = Augmentations.Standard });
        Assert.NotEqual(ReadAll(loader, 0)[0].Pixels, ReadAll(loader, 1)[0].Pixels);
    }

    [Fact]
    public void Decoded_cache_gives_the_same_pixels_and_stays_within_its_cap()
    {
        var options = new BatchLoaderOptions { BatchSize = 8, Augmentation = Augmentations.Light, DecodedCacheBytes = 20_000 };
        using var cached = new ImageBatchLoader(_dataset, Small, options);
        using var plain = new ImageBatchLoader(_dataset, Small, options with { DecodedCacheBytes = 0 });
        ReadAll(cached, 0);
        Assert.InRange(cached.CachedBytes, 1, 20_000);
        var fromCache = ReadAll(cached, 1);
        var fresh = ReadAll(plain, 1);
        for (int i = 0; i < fresh.Count; i++) Assert.Equal(fresh[i].Pixels, fromCache[i].Pixels);
    }


    [Fact]
    public void Without_augmentation_a_cache_that_holds_every_input_keeps_the_finished_floats()
    {
        // 37 images × 3 × 16 × 16 floats = 113,664 bytes: fits in 200,000, so the loader keeps finished inputs
        var options = new BatchLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 5, DecodedCacheBytes = 200_000 };
        using var cached = new ImageBatchLoader(_dataset, Small, options);
        using var plain = new ImageBatchLoader(_dataset, Small, options with { DecodedCacheBytes = 0 });
        ReadAll(cached, 0);
        Assert.Equal(37L * Small.ValuesPerImage * sizeof(float), cached.CachedBytes);
        var fromCache = ReadAll(cached, 1);
        var fresh = ReadAll(plain, 1);
        Assert.Equal(fresh.Select(b => b.Indices), fromCache.Select(b => b.Indices));
        for (int i = 0; i < fresh.Count; i++) Assert.Equal(fresh[i].Pixels, fromCache[i].Pixels);

        // too small a cap for every input: decoded images are kept instead (smaller than floats here)
        using var decoded = new ImageBatchLoader(_dataset, Small, options with { DecodedCacheBytes = 100_000 });
        ReadAll(decoded, 0);
        Assert.InRange(decoded.CachedBytes, 1, 100_000);
        var fromDecoded = ReadAll(decoded, 1);
        for (int i = 0; i < fresh.Count; i++) Assert.Equal(fresh[i].Pixels, fromDecoded[i].Pixels);
    }
    [Fact]
    public void Drop_last_leaves_out_the_short_batch()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 8, DropLast = true });
        Assert.Equal(4, loader.Count);
        Assert.All(ReadAll(loader, 0), b => Assert.Equal(8, b.Labels.Length));
    }

    [Fact]
    public void Unreadable_image_stops_the_epoch_with_a_message_naming_it()
    {
        File.WriteAllText(_folder.File("class1", "broken.png"), "this is text, not a PNG");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path);
        using var loader = new ImageBatchLoader(dataset, Small, new BatchLoaderOptions { BatchSize = 8 });
        var e = Assert.Throws<ImageDataException>(() => ReadAll(loader, 0));
        Assert.Contains("broken.png", e.Message);
        Assert.Contains("SkipUnreadableImages = true", e.Message);
    }

    [Fact]
    public void Unreadable_image_is_skipped_and_reported_on_request()
    {
        File.WriteAllText(_folder.File("class1", "broken.png"), "this is text, not a PNG");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path);
        using var loader = new ImageBatchLoader(dataset, Small, new BatchLoaderOptions { BatchSize = 8, Shuffle = true, SkipUnreadableImages = true });
        var reported = new List<SkippedFile>();
        loader.ImageSkipped += (_, skipped) => { lock (reported) reported.Add(skipped); };
        var first = ReadAll(loader, 0);
        var second = ReadAll(loader, 1);
        Assert.Equal(37, first.Sum(b => b.Indices.Length));
        Assert.Equal(37, second.Sum(b => b.Indices.Length));
        int broken = dataset.Samples.ToList().FindIndex(s => s.Source.Path!.EndsWith("broken.png"));
        Assert.DoesNotContain(broken, first.SelectMany(b => b.Indices));
        Assert.Single(reported);
        Assert.EndsWith("broken.png", Assert.Single(loader.SkippedImages).Path);
        Assert.All(first, b => Assert.Equal(b.Indices.Length * Small.ValuesPerImage, b.Pixels.Length));
    }

    [Fact]
    public void Skipped_image_leaves_the_other_images_of_its_batch_intact()
    {
        File.WriteAllText(_folder.File("class0", "00a-broken.png"), "not a PNG");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path);
        using var loader = new ImageBatchLoader(dataset, Small, new BatchLoaderOptions { BatchSize = 4, SkipUnreadableImages = true });
        ImageBatch first = loader.ReadEpoch(0).First();
        Assert.Equal(3, first.Count);
        var expected = new float[Small.ValuesPerImage];
        var image = new DecodedImage();
        new ImageDecoder().Decode(dataset.Samples[first.SampleIndices[2]].Source, image, Small);
        new Tensorizer(Small).Write(image, expected);
        Assert.Equal(expected, first.Pixels.Slice(2 * Small.ValuesPerImage, Small.ValuesPerImage).ToArray());
    }

    [Fact]
    public void Stopping_early_lets_the_next_epoch_start()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 4, WorkerCount = 2 });
        foreach (ImageBatch _ in loader.ReadEpoch(0)) break;
        Assert.Equal(37, loader.ReadEpoch(1).Sum(b => b.Count));
    }

    [Fact]
    public void Cancellation_stops_the_epoch()
    {
        using var loader = new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 4 });
        using var cancellation = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (ImageBatch _ in loader.ReadEpoch(0, cancellation.Token)) cancellation.Cancel();
        });
    }

    [Fact]
    public void Invalid_options_are_rejected_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new ImageBatchLoader(_dataset, Small, new BatchLoaderOptions { BatchSize = 0 }));
        Assert.Contains("BatchSize", e.Message);
    }

    [SharedFact("datasets/kermany-cxr/train")]
    public void Real_chest_xrays_load_at_224_equal_to_single_threaded_output()
    {
        ImageDataset dataset = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"),
            new ImageDatasetOptions { MaxImagesPerClass = 12, Seed = 1 });
        var preprocessing = new ImagePreprocessing();
        using var loader = new ImageBatchLoader(dataset, preprocessing,
            new BatchLoaderOptions { BatchSize = 8, Shuffle = true, WorkerCount = 2, Augmentation = Augmentations.Standard });
        var decoder = new ImageDecoder();
        var image = new DecodedImage();
        var tensorizer = new Tensorizer(preprocessing);
        var expected = new float[preprocessing.ValuesPerImage];
        int seen = 0;
        foreach (ImageBatch batch in loader.ReadEpoch(0))
        {
            Assert.Equal([batch.Count, 3, 224, 224], batch.Shape);
            for (int i = 0; i < batch.Count; i++, seen++)
            {
                decoder.Decode(dataset.Samples[batch.SampleIndices[i]].Source, image, preprocessing);
                tensorizer.Write(image, expected, Augmentations.Standard, new AugmentationRandom(0, 0, batch.SampleIndices[i]));
                Assert.Equal(expected, batch.Pixels.Slice(i * expected.Length, expected.Length).ToArray());
            }
        }
        Assert.Equal(24, seen);
    }
}
