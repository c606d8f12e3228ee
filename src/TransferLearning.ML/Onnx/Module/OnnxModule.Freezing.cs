using TorchSharp.Modules;

namespace TransferLearning.ML.Onnx.Module;

public sealed partial class OnnxModule
{
    /// <summary>
    /// The module's blocks in execution order (see <see cref="ModuleBlock"/> and docs/onnx-module.md for how the
    /// graph is split).
    /// </summary>
    public IReadOnlyList<ModuleBlock> Blocks => _blocks;

    /// <summary>How many leading blocks are frozen; 0 after construction.</summary>
    public int FrozenBlockCount { get; private set; }

    /// <summary>
    /// Freezes every block but the last <paramref name="n"/>: their parameters get <c>requires_grad = false</c>
    /// and they run under <c>torch.no_grad()</c>, so no autograd graph is built for them. The last
    /// <paramref name="n"/> blocks become trainable. <c>n = 0</c> freezes everything; <c>n = Blocks.Count</c>
    /// unfreezes everything.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative or above <see cref="ModuleBlock"/> count.</exception>
    public void FreezeAllButLastBlocks(int n)
    {
        if (n < 0 || n > _blocks.Count)
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"The module has {_blocks.Count} blocks: pass a number of trainable blocks from 0 to {_blocks.Count}.");
        int frozen = _blocks.Count - n;
        for (int b = 0; b < _blocks.Count; b++)
            foreach (string name in _blocks[b].ParameterNames)
                _parametersByOnnxName[name].Value.requires_grad_(b >= frozen);
        FrozenBlockCount = frozen;
        _noGradEnd = frozen == 0 ? _graph.PreambleCount : _blocks[frozen - 1].EndNode;
    }

    /// <summary>
    /// The parameters block <paramref name="block"/> owns that currently train (empty for a frozen block): give
    /// each block its own learning rate by making one optimiser parameter group per block.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="block"/> is not a block index.</exception>
    public IReadOnlyList<Parameter> TrainableParameters(int block)
    {
        if (block < 0 || block >= _blocks.Count)
            throw new ArgumentOutOfRangeException(nameof(block), block, $"Block indices run from 0 to {_blocks.Count - 1}.");
        return _blocks[block].ParameterNames
            .Select(name => _parametersByOnnxName[name].Value)
            .Where(p => p.requires_grad)
            .ToList();
    }
}
