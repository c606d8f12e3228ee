using Microsoft.ML;
using SkiaSharp;
using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

public sealed class DatasetSourceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteImage(params string[] parts)
    {
        string path = _folder.File(parts);
        File.WriteAllBytes(path, EncodedImages.Skia(4, 4, (x, y) => new SKColor((byte)x, (byte)y, 0)));
        return path;
    }

    [Fact]
    public void Folder_classes_are_sorted_ordinally_and_files_by_name()
    {
        WriteImage("b", "2.png"); WriteImage("b", "1.PNG"); WriteImage("B", "x.jpg"); WriteImage("a", "z.jpeg");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path);
        Assert.Equal(["B", "a", "b"], dataset.ClassNames);
        Assert.Equal(["x.jpg", "z.jpeg", "1.PNG", "2.png"], dataset.Samples.Select(s => Path.GetFileName(s.Source.Path!)));
        Assert.Equal([0, 1, 2, 2], dataset.Samples.Select(s => s.Label));
    }

    [Fact]
    public void Non_image_files_are_skipped_with_a_reason()
    {
        WriteImage("a", "1.png"); WriteImage("b", "1.bmp");
        File.WriteAllText(_folder.File("a", "notes.txt"), "x");
        File.WriteAllText(_folder.File("b", "Thumbs.db"), "x");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path);
        Assert.Equal(2, dataset.Count);
        Assert.Equal(2, dataset.Skipped.Count);
        Assert.Contains(dataset.Skipped, s => s.Path.EndsWith("notes.txt") && s.Reason.Contains("not an image file"));
    }

    [Fact]
    public void Given_class_order_is_kept()
    {
        WriteImage("a", "1.png"); WriteImage("b", "1.png");
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path, new ImageDatasetOptions { ClassNames = ["b", "a"] });
        Assert.Equal(["b", "a"], dataset.ClassNames);
        Assert.Equal(1, dataset.Samples.Single(s => s.Source.Path!.Contains("/a/")).Label);
    }

    [Fact]
    public void Empty_class_folder_is_an_error_naming_the_folder()
    {
        WriteImage("a", "1.png");
        Directory.CreateDirectory(Path.Combine(_folder.Path, "b"));
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromFolder(_folder.Path));
        Assert.Contains(Path.Combine(_folder.Path, "b"), e.Message);
        Assert.Contains("holds no image", e.Message);
    }

    [Fact]
    public void Single_class_is_an_error_unless_allowed()
    {
        WriteImage("only", "1.png");
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromFolder(_folder.Path));
        Assert.Contains("Only one class ('only')", e.Message);
        Assert.Equal(1, ImageDataset.FromFolder(_folder.Path, new ImageDatasetOptions { AllowSingleClass = true }).Count);
    }

    [Fact]
    public void Zero_byte_image_is_an_error_or_skipped_on_request()
    {
        WriteImage("a", "1.png"); WriteImage("b", "1.png");
        File.WriteAllBytes(_folder.File("b", "empty.png"), []);
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromFolder(_folder.Path));
        Assert.Contains("empty.png", e.Message);
        Assert.Contains("SkipUnreadableImages = true", e.Message);
        ImageDataset dataset = ImageDataset.FromFolder(_folder.Path, new ImageDatasetOptions { SkipUnreadableImages = true });
        Assert.Equal(2, dataset.Count);
        Assert.Contains(dataset.Skipped, s => s.Path.EndsWith("empty.png"));
    }

    [Fact]
    public void Missing_root_is_an_error_naming_it()
    {
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromFolder(Path.Combine(_folder.Path, "nope")));
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public void Csv_with_header_reads_paths_relative_to_the_list_labels_and_groups()
    {
        WriteImage("img", "1.png"); WriteImage("img", "2.png"); WriteImage("img", "3.png");
        File.WriteAllText(_folder.File("labels.csv"), "file,diagnosis,patient\nimg/1.png,Stone,p1\n\"img/2.png\",Normal,p1\nimg/3.png,Stone,p2\n");
        ImageDataset dataset = ImageDataset.FromCsv(_folder.File("labels.csv"));
        Assert.Equal(["Normal", "Stone"], dataset.ClassNames);
        Assert.Equal([1, 0, 1], dataset.Samples.Select(s => s.Label));
        Assert.Equal(["p1", "p1", "p2"], dataset.Samples.Select(s => s.Group));
        Assert.Equal(Path.Combine(_folder.Path, "img", "2.png"), dataset.Samples[1].Source.Path);
    }

    [Fact]
    public void Tsv_without_header_is_read()
    {
        WriteImage("1.png"); WriteImage("2.jpg");
        File.WriteAllText(_folder.File("labels.tsv"), "1.png\tcat\n2.jpg\tdog\n");
        ImageDataset dataset = ImageDataset.FromCsv(_folder.File("labels.tsv"));
        Assert.Equal([1, 1], dataset.ClassCounts());
        Assert.All(dataset.Samples, s => Assert.Null(s.Group));
    }

    [Fact]
    public void Csv_missing_file_is_an_error_naming_the_line()
    {
        WriteImage("1.png");
        File.WriteAllText(_folder.File("labels.csv"), "1.png,a\nmissing.png,b\n");
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromCsv(_folder.File("labels.csv")));
        Assert.Contains("missing.png", e.Message);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Csv_unknown_label_is_an_error_when_classes_are_given()
    {
        WriteImage("1.png"); WriteImage("2.png");
        File.WriteAllText(_folder.File("labels.csv"), "1.png,Normal\n2.png,Stoen\n");
        var e = Assert.Throws<ImageDataException>(() =>
            ImageDataset.FromCsv(_folder.File("labels.csv"), new ImageDatasetOptions { ClassNames = ["Normal", "Stone"] }));
        Assert.Contains("'Stoen'", e.Message);
        Assert.Contains("2.png", e.Message);
    }

    [Fact]
    public void List_and_memory_sources_build_the_same_labels()
    {
        string a = WriteImage("a.png"), b = WriteImage("b.png");
        ImageDataset fromList = ImageDataset.FromList([(a, "x"), (b, "y")]);
        ImageDataset fromMemory = ImageDataset.FromMemory([("a", File.ReadAllBytes(a), "x"), ("b", File.ReadAllBytes(b), "y")]);
        Assert.Equal(fromList.Samples.Select(s => s.Label), fromMemory.Samples.Select(s => s.Label));
        Assert.True(fromMemory.Samples[0].Source.IsInMemory);
        Assert.Equal("a", fromMemory.Samples[0].Source.DisplayName);
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class BytesRow
    {
        public byte[] Image { get; set; } = [];
        public string Label { get; set; } = "";
    }

    [Fact]
    public void Data_view_with_paths_and_key_labels_is_read()
    {
        string a = WriteImage("a.png"), b = WriteImage("b.png");
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = a, Label = "x" }, new PathRow { ImagePath = b, Label = "y" }]);
        IDataView keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        ImageDataset dataset = ImageDataset.FromDataView(keyed, "ImagePath", "Label");
        Assert.Equal(["x", "y"], dataset.ClassNames);
        Assert.Equal(a, dataset.Samples[0].Source.Path);
        Assert.Equal([0, 1], dataset.Samples.Select(s => s.Label));
    }

    [Fact]
    public void Data_view_key_labels_keep_the_key_order()
    {
        string a = WriteImage("a.png"), b = WriteImage("b.png");
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = a, Label = "zebra" }, new PathRow { ImagePath = b, Label = "ant" }]);
        IDataView keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByOccurrence).Fit(view).Transform(view);
        ImageDataset dataset = ImageDataset.FromDataView(keyed, "ImagePath", "Label");
        Assert.Equal(["zebra", "ant"], dataset.ClassNames);
        Assert.Equal([0, 1], dataset.Samples.Select(s => s.Label));
    }

    [Fact]
    public void Data_view_with_bytes_and_text_labels_is_read()
    {
        byte[] png = EncodedImages.Skia(2, 2, (_, _) => SKColors.Red);
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadFromEnumerable([new BytesRow { Image = png, Label = "b" }, new BytesRow { Image = png, Label = "a" }]);
        ImageDataset dataset = ImageDataset.FromDataView(view, "Image", "Label");
        Assert.Equal([1, 0], dataset.Samples.Select(s => s.Label));
        Assert.Equal(png, dataset.Samples[0].Source.Bytes.ToArray());
    }

    [Fact]
    public void Data_view_missing_column_is_an_error_listing_the_columns()
    {
        var ml = new MLContext(seed: 1);
        IDataView view = ml.Data.LoadFromEnumerable([new PathRow { ImagePath = "x.png", Label = "a" }]);
        var e = Assert.Throws<ImageDataException>(() => ImageDataset.FromDataView(view, "Path", "Label"));
        Assert.Contains("'Path'", e.Message);
        Assert.Contains("ImagePath", e.Message);
    }

    [Fact]
    public void Subset_where_and_take_per_class_keep_the_classes()
    {
        ImageDataset dataset = SyntheticDatasets.Imbalanced([10, 4]);
        Assert.Equal([0, 4], dataset.Subset([10, 11, 12, 13]).ClassCounts());
        Assert.Equal([10, 0], dataset.Where(s => s.Label == 0).ClassCounts());
        Assert.Equal([3, 3], dataset.TakePerClass(3, seed: 1).ClassCounts());
        Assert.Equal(dataset.ClassNames, dataset.Where(_ => false).ClassNames);
    }
}
