using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary><see cref="GroupPatterns.Detect(string)"/>: a known patient convention only where every file name follows it.</summary>
public sealed class GroupPatternsTests
{
    [SharedFact("datasets/kermany-cxr")]
    public void The_kermany_training_folder_is_recognised_by_its_patient_file_names()
    {
        string folder = RepositoryPaths.SharedDataset("kermany-cxr", "train");
        Assert.Equal(ImageDatasetOptions.KermanyPatientPattern, GroupPatterns.Detect(folder));
        var grouped = ImageDataset.FromFolder(folder, new ImageDatasetOptions { GroupPattern = GroupPatterns.Detect(folder) });
        // the shared copy: 1635 pneumonia patients and 1211 normal ones (docs/results.md)
        Assert.Equal(1635 + 1211, grouped.Samples.Select(s => s.Group).Distinct().Count());
    }

    [SharedFact("datasets/kermany-cxr", "datasets/breastmnist")]
    public void GroupPattern_auto_detects_the_patients_where_the_names_say_who_they_are_and_none_elsewhere()
    {
        var options = new ImageDatasetOptions { GroupPattern = ImageDatasetOptions.DetectGroups, MaxImagesPerClass = 200, Seed = 3 };
        var kermany = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"), options);
        var explicitly = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"),
            options with { GroupPattern = ImageDatasetOptions.KermanyPatientPattern });
        Assert.Equal(explicitly.Samples.Select(s => s.Group), kermany.Samples.Select(s => s.Group));
        Assert.All(kermany.Samples, s => Assert.False(string.IsNullOrEmpty(s.Group)));
        Assert.True(kermany.Samples.Select(s => s.Group).Distinct().Count() < kermany.Samples.Count); // patients with several images

        var breast = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("breastmnist", "train"), options);
        var ungrouped = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("breastmnist", "train"), options with { GroupPattern = null });
        Assert.Equal(ungrouped.Samples.Select(s => s.Group), breast.Samples.Select(s => s.Group));
    }

    [SharedFact("datasets/breastmnist", "datasets/kidney-ct")]
    public void Folders_whose_names_carry_no_patient_are_split_by_image()
    {
        Assert.Null(GroupPatterns.Detect(RepositoryPaths.SharedDataset("breastmnist", "train")));
        Assert.Null(GroupPatterns.Detect(RepositoryPaths.SharedDataset("kidney-ct", "train")));
        // one file outside the convention is enough to turn it off
        Assert.Null(GroupPatterns.Detect(["person1_virus_6", "IM-0115-0001", "scan-7"]));
        Assert.Equal(ImageDatasetOptions.KermanyPatientPattern, GroupPatterns.Detect(["person1_virus_6", "NORMAL2-IM-0123-0001"]));
        Assert.Null(GroupPatterns.Detect(Array.Empty<string>()));
    }
}
