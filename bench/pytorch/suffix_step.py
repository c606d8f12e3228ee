"""PyTorch peer of bench/ModuleForwardBench --suffix: the trainable part of the default fine-tune step alone.

torchvision's mobilenet_v2 with its batch norms fused (as finetune_step.py builds it), features[14:] (the library's
last 5 blocks, from the boundary /features/features.13/Add_output_0) + pooling + dropout + Linear(1280, 2), AdamW,
on a random boundary tensor [32, 96, 14, 14], 2 threads; --ops times the single operators ModuleForwardBench --ops times.
Prints the best of 3 rounds of 10 steps, in ms per batch.
Run with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 (as finetune_step.py).
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from finetune_step import fuse_batch_norms


def best_ms(step, n=10):
    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            step()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1000


def suffix():
    network = torchvision.models.mobilenet_v2()
    network.eval()
    fuse_batch_norms(network)
    trainable = nn.Sequential(*list(network.features)[14:]).train()
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 2)).train()
    optimizer = torch.optim.AdamW(list(trainable.parameters()) + list(head.parameters()), lr=1e-4, weight_decay=0.01)
    x, y = torch.randn(32, 96, 14, 14), torch.arange(32) % 2

    def forward_no_grad():
        with torch.no_grad():
            trainable(x)

    def loss():
        return F.cross_entropy(head(trainable(x)), y)

    def forward_backward():
        optimizer.zero_grad()
        loss().backward()

    def full_step():
        forward_backward()
        optimizer.step()

    for name, step in [("forward no_grad", forward_no_grad), ("forward with grad", loss),
                       ("forward+backward", forward_backward), ("full step (AdamW)", full_step)]:
        print(f"pytorch {name}: {best_ms(step):.1f} ms/batch")


def operators():
    for channels, size, kernel, groups, name in [(576, 14, 3, 576, "dw3x3 576@14"), (960, 7, 3, 960, "dw3x3 960@7"),
                                                 (160, 7, 1, 1, "pw 160->960@7")]:
        out = channels if groups > 1 else 960
        x = torch.randn(32, channels, size, size, requires_grad=True)
        w = torch.randn(out, channels // groups, kernel, kernel, requires_grad=True)
        b = torch.randn(out, requires_grad=True)

        def forward():
            with torch.no_grad():
                F.conv2d(x, w, b, 1, kernel // 2, 1, groups)

        def forward_backward():
            F.conv2d(x, w, b, 1, kernel // 2, 1, groups).sum().backward()

        print(f"pytorch {name} forward: {best_ms(forward):.1f} ms/batch")
        print(f"pytorch {name} forward+backward: {best_ms(forward_backward):.1f} ms/batch")
    y = torch.randn(32, 960, 7, 7, requires_grad=True)
    print(f"pytorch clamp(0,6) forward+backward: {best_ms(lambda: torch.clamp(y, 0, 6).sum().backward()):.1f} ms/batch")
    print(f"pytorch hardtanh(0,6) forward+backward: {best_ms(lambda: F.hardtanh(y, 0, 6).sum().backward()):.1f} ms/batch")


if __name__ == "__main__":
    torch.set_num_threads(2)
    torch.manual_seed(1)
    operators() if "--ops" in sys.argv else suffix()
