using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace TransferLearning.ML.MLNet;

/// <summary>Input row of <see cref="ImagePixelsMapping.ArgMaxContract"/>.</summary>
public sealed class ClassScoresRow
{
    /// <summary>The class probabilities.</summary>
    [ColumnName(ImagePixelsMapping.ScoreColumn), VectorType]
    public float[] Probabilities { get; set; } = [];
}

/// <summary>Output row of <see cref="ImagePixelsMapping.ArgMaxContract"/>.</summary>
public sealed class ClassIndexRow
{
    /// <summary>The 0-based index of the most probable class (the first on ties).</summary>
    [ColumnName(ImagePixelsMapping.IndexColumn)]
    public int Index { get; set; }
}

/// <summary>ML.NET factory of the argmax mapping (ML.NET's multiclass convention for the predicted label).</summary>
[CustomMappingFactoryAttribute(ImagePixelsMapping.ArgMaxContract)]
public sealed class ArgMaxFactory : CustomMappingFactory<ClassScoresRow, ClassIndexRow>
{
    /// <inheritdoc/>
    public override Action<ClassScoresRow, ClassIndexRow> GetMapping() => static (input, output) =>
    {
        int best = 0;
        for (int k = 1; k < input.Probabilities.Length; k++)
            if (input.Probabilities[k] > input.Probabilities[best]) best = k;
        output.Index = best;
    };
}
