using TransferLearning.ML.Data;

namespace TransferLearning.ML.Tests.Data;

/// <summary>Class counts read from ../shared/datasets match shared/README.md.</summary>
public sealed class SharedDatasetCountTests
{
    [SharedTheory("datasets")]
    [InlineData("kermany-cxr", "train", "NORMAL,PNEUMONIA", "1341,3875")]
    [InlineData("kidney-ct", "train", "Cyst,Normal,Stone,Tumor", "336,400,396,400")]
    [InlineData("pneumoniamnist", "train", "normal,pneumonia", "1214,3494")]
    [InlineData("pneumoniamnist", "val", "normal,pneumonia", "135,389")]
    [InlineData("retinamnist", "train", "0-no-dr,1-mild,2-moderate,3-severe,4-proliferative", "486,128,206,194,66")]
    [InlineData("retinamnist", "val", "0-no-dr,1-mild,2-moderate,3-severe,4-proliferative", "54,12,28,20,6")]
    [InlineData("breastmnist", "train", "benign-or-normal,malignant", "399,147")]
    [InlineData("breastmnist", "val", "benign-or-normal,malignant", "57,21")]
    public void Folder_counts_match_the_shared_readme(string set, string split, string classes, string counts)
    {
        ImageDataset dataset = ImageDataset.FromFolder(RepositoryPaths.SharedDataset(set, split));
        Assert.Equal(classes.Split(','), dataset.ClassNames);
        Assert.Equal(counts.Split(',').Select(int.Parse), dataset.ClassCounts());
        Assert.Empty(dataset.Skipped);
    }

    [SharedFact("datasets/pneumoniamnist")]
    public void Split_folders_share_one_class_list_and_are_found_by_name()
    {
        DatasetFolders folders = ImageDataset.FromSplitFolders(RepositoryPaths.SharedDataset("pneumoniamnist"));
        Assert.Equal(["normal", "pneumonia"], folders.ClassNames);
        Assert.Equal([1214, 3494], folders.Train!.ClassCounts());
        Assert.Equal([135, 389], folders.Validation!.ClassCounts());
        Assert.Null(folders.Test);
    }

    [SharedFact("datasets/kidney-ct/train")]
    public void Classes_option_keeps_only_the_named_classes()
    {
        ImageDataset dataset = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kidney-ct", "train"),
            new ImageDatasetOptions { Classes = ["Normal", "Stone"] });
        Assert.Equal(["Normal", "Stone"], dataset.ClassNames);
        Assert.Equal([400, 396], dataset.ClassCounts());
    }

    [SharedFact("datasets/kermany-cxr/train")]
    public void MaxImagesPerClass_takes_a_seeded_choice_per_class()
    {
        var options = new ImageDatasetOptions { MaxImagesPerClass = 50, Seed = 3 };
        ImageDataset first = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"), options);
        ImageDataset again = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"), options);
        ImageDataset other = ImageDataset.FromFolder(RepositoryPaths.SharedDataset("kermany-cxr", "train"), options with { Seed = 4 });
        Assert.Equal([50, 50], first.ClassCounts());
        Assert.Equal(first.Samples.Select(s => s.Source.Path), again.Samples.Select(s => s.Source.Path));
        Assert.NotEqual(first.Samples.Select(s => s.Source.Path), other.Samples.Select(s => s.Source.Path));
    }
}
