using TorchSharp;
using TransferLearning.ML.Tests.Onnx.Module;
using TransferLearning.ML.Training.Heads;
using static TorchSharp.torch;

namespace TransferLearning.ML.Tests.Training.Loop;

/// <summary>
/// The classifier head: output shape for every feature layout, pooling as documented, dropout active in training
/// only, seeded initial weights, the L2 penalty. Expected values are computed here with plain tensor arithmetic
/// from the head's own weights (same operations in float32 on one thread: 1e-5 covers summation order).
/// </summary>
[Collection(TrainingCollection.Name)]
public sealed class ClassifierHeadTests
{
    private const float Tolerance = 1e-5f;

    private static Tensor Features(params long[] shape) =>
        torch.tensor(ModuleFixtures.RandomInput(shape.Aggregate(1L, (a, b) => a * b), seed: 4), shape);

    private static float[] Values(Tensor t) => ModuleFixtures.ToArray(t);

    private static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"[{i}] {expected[i]} vs {actual[i]}");
    }

    [Theory]
    [InlineData(HeadPooling.GlobalAverage, new long[] { 16, 3, 3 }, 16)]
    [InlineData(HeadPooling.Flatten, new long[] { 16, 3, 3 }, 144)]
    [InlineData(HeadPooling.GlobalAverage, new long[] { 16 }, 16)]
    [InlineData(HeadPooling.Flatten, new long[] { 16 }, 16)]
    [InlineData(HeadPooling.Flatten, new long[] { 16, 1, 1 }, 16)]
    public void Logits_are_batch_by_classes_for_every_feature_layout(HeadPooling pooling, long[] featureShape, long inputWidth)
    {
        using var head = new ClassifierHead(featureShape, 3, new HeadOptions { Pooling = pooling, Layers = [HeadLayer.Dense(8)] }, seed: 1);
        head.eval();
        using var features = Features([5, .. featureShape]);
        using var logits = head.forward(features);
        Assert.Equal(inputWidth, head.InputWidth);
        Assert.Equal(new long[] { 5, 3 }, logits.shape);
        Assert.Equal(new long[] { 8, inputWidth }, head.DenseLayers[0].Layer.weight!.shape);
    }

    [Fact]
    public void Global_average_pooling_is_the_spatial_mean_and_flatten_keeps_every_value()
    {
        using var features = Features(2, 4, 3, 5);
        using var average = new ClassifierHead([4, 3, 5], 2, HeadOptions.Linear, seed: 1);
        using var flatten = new ClassifierHead([4, 3, 5], 2, HeadOptions.Linear with { Pooling = HeadPooling.Flatten }, seed: 1);

        // the mean of each channel's 15 values, by hand
        float[] x = Values(features);
        var means = new float[2 * 4];
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 4; c++)
                means[n * 4 + c] = x.Skip((n * 4 + c) * 15).Take(15).Sum() / 15;
        using (var pooled = average.Pool(features)) Close(means, Values(pooled));
        using (var pooled = flatten.Pool(features))
        {
            Assert.Equal(new long[] { 2, 60 }, pooled.shape);
            Close(x, Values(pooled));
        }
    }

    [Fact]
    public void A_linear_head_computes_pooled_features_times_its_weights_plus_bias()
    {
        using var head = new ClassifierHead([4, 2, 2], 3, HeadOptions.Linear, seed: 9);
        head.eval();
        using var features = Features(2, 4, 2, 2);
        var (layer, l2, relu) = Assert.Single(head.DenseLayers);
        Assert.False(relu);
        Assert.Equal(0, l2);
        float[] w = Values(layer.weight!), b = Values(layer.bias!), x = Values(features);
        var expected = new float[2 * 3];
        for (int n = 0; n < 2; n++)
            for (int k = 0; k < 3; k++)
            {
                double sum = b[k];
                for (int c = 0; c < 4; c++) sum += w[k * 4 + c] * x.Skip((n * 4 + c) * 4).Take(4).Average();
                expected[n * 3 + k] = (float)sum;
            }
        using var logits = head.forward(features);
        Close(expected, Values(logits));
    }

    [Fact]
    public void Dropout_drops_in_training_only()
    {
        var options = new HeadOptions { Layers = [HeadLayer.Dropout(0.5)] };
        using var head = new ClassifierHead([64], 2, options, seed: 3);
        using var reference = new ClassifierHead([64], 2, HeadOptions.Linear, seed: 3);
        using var features = Features(8, 64);

        head.eval();
        reference.eval();
        using var evalA = head.forward(features);
        using var evalB = head.forward(features);
        using var linear = reference.forward(features);
        Assert.Equal(Values(evalA), Values(evalB));
        // same seed, same output layer: in evaluation the dropout layer is the identity
        Close(Values(linear), Values(evalA));

        head.train();
        torch.random.manual_seed(5);
        using var trainA = head.forward(features);
        using var trainB = head.forward(features);
        Assert.NotEqual(Values(trainA), Values(trainB));
        Assert.True(Values(trainA).Zip(Values(evalA)).Max(p => Math.Abs(p.First - p.Second)) > 0.01f);
    }

    [Fact]
    public void Dropout_zero_and_hidden_layers_train_and_evaluate_alike()
    {
        using var head = new ClassifierHead([16], 2, new HeadOptions { Layers = [HeadLayer.Dropout(0), HeadLayer.Dense(6), HeadLayer.Dropout(0)] }, seed: 3);
        using var features = Features(4, 16);
        head.train();
        using var train = head.forward(features);
        head.eval();
        using var eval = head.forward(features);
        Close(Values(eval), Values(train));
        Assert.Equal([true, false], head.DenseLayers.Select(d => d.Relu).ToArray());
    }

    [Fact]
    public void Initial_weights_depend_on_the_seed_only_and_leave_the_global_generator_alone()
    {
        torch.random.manual_seed(123);
        using var before = torch.rand(4);
        torch.random.manual_seed(123);
        using var a = new ClassifierHead([16], 2, new HeadOptions { Layers = [HeadLayer.Dense(8)] }, seed: 7);
        using var after = torch.rand(4);
        using var b = new ClassifierHead([16], 2, new HeadOptions { Layers = [HeadLayer.Dense(8)] }, seed: 7);
        using var c = new ClassifierHead([16], 2, new HeadOptions { Layers = [HeadLayer.Dense(8)] }, seed: 8);

        Assert.Equal(Values(before), Values(after));
        foreach (var (x, y) in a.parameters().Zip(b.parameters())) Assert.Equal(Values(x), Values(y));
        Assert.NotEqual(Values(a.DenseLayers[0].Layer.weight!), Values(c.DenseLayers[0].Layer.weight!));
    }

    [Fact]
    public void L2_penalty_is_the_weighted_sum_of_squared_dense_weights()
    {
        var options = new HeadOptions { Layers = [HeadLayer.Dense(8, l2: 0.05), HeadLayer.Dense(4)], OutputL2 = 0.2 };
        using var head = new ClassifierHead([16], 2, options, seed: 2);
        var dense = head.DenseLayers;
        double expected = 0.05 * Values(dense[0].Layer.weight!).Sum(v => (double)v * v)
                          + 0.2 * Values(dense[2].Layer.weight!).Sum(v => (double)v * v);
        using var penalty = head.L2Penalty();
        Assert.Equal(expected, penalty.item<float>(), 1e-5 * expected);
        using var none = new ClassifierHead([16], 2, HeadOptions.Linear, seed: 2);
        using var zero = none.L2Penalty();
        Assert.Equal(0f, zero.item<float>());
    }

    [Fact]
    public void A_head_refuses_fewer_than_two_classes_and_empty_shapes()
    {
        Assert.Throws<ArgumentException>(() => new ClassifierHead([16], 1, new HeadOptions(), seed: 0));
        Assert.Throws<ArgumentException>(() => new ClassifierHead([], 2, new HeadOptions(), seed: 0));
        Assert.Throws<ArgumentException>(() => new ClassifierHead([16, 0, 2], 2, new HeadOptions(), seed: 0));
    }
}
