using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary>
/// Patients from file names: Kermany chest X-rays carry the patient in the name (<c>person12_virus_3</c>), so a split
/// that ignores it puts one patient's images on both sides and reports optimistic numbers.
/// </summary>
public sealed class GroupPatternTests
{
    private const string Kermany = "datasets/kermany-cxr/train";

    [SharedFact(Kermany)]
    public void The_kermany_pattern_keeps_every_patient_on_one_side_of_the_split()
    {
        var dataset = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"),
            new ImageDatasetOptions { GroupPattern = ImageDatasetOptions.KermanyPatientPattern });

        var split = dataset.Split(validation: 0.15, test: 0.15, seed: 42);
        var side = new Dictionary<string, string>();
        foreach (var (name, part) in new[] { ("train", split.Train), ("validation", split.Validation), ("test", split.Test) })
            foreach (var sample in part.Samples)
                Assert.Equal(name, side.TryAdd(sample.Group!, name) ? name : side[sample.Group!]);

        Assert.True(dataset.HasGroups);
        Assert.Equal(1635 + 1211, side.Count); // pneumonia patients + normal patients in the shared copy
        Assert.InRange(split.Test.Count, 0.12 * dataset.Count, 0.18 * dataset.Count);
    }

    [SharedFact(Kermany)]
    public void Without_groups_the_same_split_puts_patients_on_both_sides()
    {
        var plain = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"));
        var split = plain.Split(validation: 0.15, test: 0.15, seed: 42);
        var regex = new System.Text.RegularExpressions.Regex(ImageDatasetOptions.KermanyPatientPattern);
        string Patient(ImageSample s) => regex.Match(Path.GetFileNameWithoutExtension(s.Source.Path!)).Groups[1].Value;

        var trainPatients = split.Train.Samples.Select(Patient).ToHashSet();
        Assert.Contains(split.Test.Samples, s => trainPatients.Contains(Patient(s)));
    }

    [Fact]
    public void A_file_name_the_pattern_does_not_match_is_an_error_naming_the_file_and_the_option()
    {
        string root = Directory.CreateTempSubdirectory("tl-groups-").FullName;
        try
        {
            foreach (var (cls, file) in new[] { ("A", "person1_x.jpg"), ("B", "scan-7.jpg") })
            {
                Directory.CreateDirectory(Path.Combine(root, cls));
                File.WriteAllBytes(Path.Combine(root, cls, file), EncodedImages.Jpeg(4, 4, SkiaSharp.SKColors.Gray));
            }

            var error = Assert.Throws<ImageDataException>(() =>
                ImageDataset.FromFolder(root, new ImageDatasetOptions { GroupPattern = ImageDatasetOptions.KermanyPatientPattern }));

            Assert.Contains("scan-7", error.Message);
            Assert.Contains("ImageDatasetOptions.GroupPattern", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
