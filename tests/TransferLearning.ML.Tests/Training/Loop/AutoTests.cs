using TransferLearning.ML.Models;
using TransferLearning.ML.Tests.Data;
using TransferLearning.ML.Training;
using TransferLearning.ML.Training.FeatureExtraction;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// <see cref="TransferLearner.Auto"/> on the tiny backbone (3 blocks): every candidate is tried on validation, the
/// lowest validation log-loss wins, the winner is trained in full, and candidates the backbone cannot take are left
/// out with the reason.
/// </summary>
public sealed class AutoTests : IDisposable
{
    private readonly TempFolder _work = new();

    [Fact]
    public void The_default_candidates_are_tried_and_the_lowest_validation_log_loss_is_trained_in_full()
    {
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work)).Auto(new AutoOptions { TrialEpochs = 1 }).Fit();

        var auto = Assert.IsType<AutoSelection>(result.Auto);
        // 24 training images: features, fine-tune 2 blocks, fine-tune 5 blocks (no scratch below 5000 images)
        Assert.Equal([TrainingMode.FeatureExtraction, TrainingMode.FineTune, TrainingMode.FineTune], auto.Trials.Select(t => t.Mode));
        // the tiny backbone has 3 blocks: the 5-block candidate cannot run and is left out, naming why
        Assert.Contains("UnfreezeLastBlocks = 5", auto.Trials[2].Failure);
        var ran = auto.Trials.Where(t => t.Failure is null).ToList();
        Assert.Equal(2, ran.Count);
        Assert.All(ran, t => Assert.NotNull(t.ValidationLogLoss));
        var best = ran.MinBy(t => t.ValidationLogLoss)!;
        Assert.Same(best.Candidate, auto.Chosen);
        Assert.Contains(best.Description, auto.Reason);
        Assert.Equal(best.Mode, result.Model.Mode);
        Assert.Equal(best.Mode, result.Recipe.Mode);
        Assert.Contains("auto.trial3", result.Configuration.Keys);
    }

    [Fact]
    public void The_winner_is_trained_with_its_full_options_not_the_trials()
    {
        // one candidate: its trial runs 1 + 1 epochs, the full run its own 1 + 3
        var candidate = new FineTuneOptions { HeadEpochs = 1, Epochs = 3, UnfreezeLastBlocks = 1 };
        var result = LoopFixtures.Learner(LoopFixtures.Backbone(_work))
            .Auto(new AutoOptions { Candidates = [candidate], TrialEpochs = 1 }).Fit();

        Assert.Equal(4, result.History.Count);
        Assert.Same(candidate, result.Auto!.Chosen);
        Assert.Contains("the only candidate", result.Auto.Reason);
    }

    [Fact]
    public void The_lower_validation_log_loss_wins_whichever_order_the_candidates_come_in()
    {
        var features = new FeatureExtractionOptions();
        var fineTune = new FineTuneOptions { HeadEpochs = 1, Epochs = 1, UnfreezeLastBlocks = 2 };
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work));

        var first = learner.Auto(new AutoOptions { Candidates = [features, fineTune] }).Fit().Auto!;
        var second = learner.Auto(new AutoOptions { Candidates = [fineTune, features] }).Fit().Auto!;

        Assert.Equal(first.Chosen, second.Chosen);
        var losses = first.Trials.Select(t => t.ValidationLogLoss!.Value).ToArray();
        Assert.NotEqual(losses[0], losses[1]);
        Assert.Same(losses[0] < losses[1] ? features : fineTune, first.Chosen);
    }

    [Fact]
    public void On_small_data_each_trial_is_scored_by_cross_validation_unless_one_split_is_asked_for()
    {
        var features = new FeatureExtractionOptions();
        var learner = LoopFixtures.Learner(LoopFixtures.Backbone(_work));

        // 36 training + validation images (< SmallDataImages): 3-fold cross-validation of the trial
        var folded = learner.Auto(new AutoOptions { Candidates = [features] }).Fit().Auto!.Trials.Single();
        var expected = learner.WithImages(new ML.Data.ImageDataset(["bright", "dark"],
                LoopFixtures.Images(12, seed: 1, "train").Samples.Concat(LoopFixtures.Images(6, seed: 2, "validation").Samples)))
            .ExtractFeatures(features).CrossValidate(3);
        Assert.Contains("mean of 3 folds", folded.Description);
        Assert.Equal(expected.LogLoss.Mean, folded.ValidationLogLoss!.Value, 9);

        // TrialFolds = 1: the single validation split, whose score is the plain run's
        var single = learner.Auto(new AutoOptions { Candidates = [features], TrialFolds = 1 }).Fit();
        Assert.DoesNotContain("folds", single.Auto!.Trials.Single().Description);
        var plain = learner.ExtractFeatures(features).WithBootstrap(0).Fit();
        Assert.Equal(plain.ValidationMetrics!.LogLoss, single.Auto.Trials.Single().ValidationLogLoss!.Value, 9);
        Assert.Contains("TrialFolds", Assert.Throws<ArgumentException>(() => learner.Auto(new AutoOptions { TrialFolds = 0 })).Message);
    }

    [Fact]
    public void Without_validation_images_auto_refuses_and_says_what_to_do()
    {
        var backbone = LoopFixtures.Backbone(_work);
        var learner = TransferLearner.For(backbone).WithSplits(LoopFixtures.Images(6, seed: 1, "train")).WithThreads(1).Auto();

        var error = Assert.Throws<ArgumentException>(() => learner.Fit());
        Assert.Contains("validation", error.Message);
    }

    [Fact]
    public void Options_are_checked_when_given()
    {
        var learner = TransferLearner.For(LoopFixtures.Backbone(_work));
        Assert.Contains("TrialEpochs", Assert.Throws<ArgumentException>(() => learner.Auto(new AutoOptions { TrialEpochs = 0 })).Message);
        Assert.Contains("Candidates", Assert.Throws<ArgumentException>(() => learner.Auto(new AutoOptions { Candidates = [] })).Message);
        Assert.Contains("BatchSize", Assert.Throws<ArgumentException>(() =>
            learner.Auto(new AutoOptions { Candidates = [new FineTuneOptions { BatchSize = 0 }] })).Message);
    }

    public void Dispose() => _work.Dispose();
}

/// <summary><c>tl train --mode auto</c> end to end on the tiny backbone: the trials are printed and the chosen recipe is saved.</summary>
public sealed class AutoCommandTests : IDisposable
{
    private readonly TempFolder _work = new();

    [Fact]
    public void Tl_train_mode_auto_prints_the_trials_and_saves_the_chosen_model()
    {
        string weights = LoopFixtures.Backbone(_work).Model.FilePath!;
        string train = LoopFixtures.WriteImages(_work.File("train"), perClass: 12, seed: 1);
        string validation = LoopFixtures.WriteImages(_work.File("validation"), perClass: 6, seed: 2);
        string output = _work.File("run");

        var run = TlRunner.Run("train", "--train", train, "--validation", validation, "--weights", weights, "--mode", "auto",
            "--augment", "none", "--threads", "1", "--out", output);

        Assert.True(run.Exit == 0, run.Error + run.Output);
        Assert.Contains("Auto trial: feature extraction", run.Output);
        Assert.Contains("Auto trial: fine-tune last 2 blocks", run.Output);
        Assert.Contains("left out", run.Output);   // the 5-block candidate on a 3-block backbone
        Assert.Contains("Auto chose", run.Output);
        using var model = TransferModel.Load(Path.Combine(output, "model.tlmodel"));
        Assert.Contains(model.Mode, new[] { TrainingMode.FeatureExtraction, TrainingMode.FineTune });
    }

    [Fact]
    public void Tl_train_mode_auto_refuses_flags_of_one_recipe()
    {
        string weights = LoopFixtures.Backbone(_work).Model.FilePath!;
        string train = LoopFixtures.WriteImages(_work.File("train"), perClass: 4, seed: 1);
        var run = TlRunner.Run("train", "--train", train, "--mode", "auto", "--epochs", "3", "--weights", weights, "--out", _work.File("run"));
        Assert.NotEqual(0, run.Exit);
        Assert.Contains("--mode auto", run.Error);
    }

    public void Dispose() => _work.Dispose();
}
