#!/usr/bin/env bash
# One command for the benchmarks: speed, memory and accuracy of TransferLearning.ML against bare ONNX Runtime,
# a hand-written TorchSharp loop and PyTorch, side by side in one run. See docs/benchmarks.md.
#
#   bench/run.sh [--quick] [--test-root DIR] [--datasets a,b] [--out bench] [--sections a,b]
#
# --quick     tiny subsets, 1-2 epochs: finishes in minutes (writes <out>/results-quick.md/.json)
# (default)   full data and default epochs: an hour or more (writes <out>/results.md/.json); never part of CI
# Extra options are passed to bench/TransferLearning.ML.Bench (--shared DIR, --threads N, --python PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

python=/usr/bin/python3
if ! "$python" -c 'import torch, torchvision' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing the PyTorch peer (Debian python3-torch, python3-torchvision)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-torchvision >/dev/null \
            || echo "apt-get install failed: the PyTorch column will be empty" >&2
    else
        echo "python3-torch/python3-torchvision missing and not root: the PyTorch column will be empty" >&2
    fi
fi

export TL_BENCH_COMMAND="bench/run.sh $*"
exec dotnet run -c Release --project bench/TransferLearning.ML.Bench -- \
    --pytorch-script bench/pytorch/finetune_step.py --python "$python" "$@"
