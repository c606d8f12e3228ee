"""PyTorch peer of the fine-tune step benchmark (bench/run.sh runs it through TransferLearning.ML.Bench).

--arch mobilenet_v2 (default): torchvision's mobilenet_v2 with every Conv+BatchNorm pair fused into one biased
convolution (the layout of mobilenetv2-imagenet.onnx, whose batch norms are folded), features[:-unfreeze] frozen
(eval, no_grad), features[-unfreeze:] + dropout 0.2 + Linear(1280, classes) trainable.
--arch resnet18: torchvision's resnet18 with its batch norms (the CNTK ResNet18 keeps them unfolded), the blocks
[stem, layer1[0], layer1[1], ..., layer4[1]] of which the last `unfreeze` train with batch norm in inference mode
(the library's default TrainBatchNormStatistics = false), global average pool + dropout 0.2 + Linear(512, classes).
--arch vgg16: torchvision's vgg16 features, its 5 convolution stages (each ending with its max pool) of which the
last `unfreeze` train, global average pool + dropout 0.2 + Linear(512, classes) (the library's default head).
AdamW, cross-entropy, one in-memory batch; or, with --images LIST, the images of LIST (lines "path<TAB>label") through
torchvision's transforms (resize to the input size, ImageNet normalisation, no augmentation) and a DataLoader
(batch, shuffled, --workers processes), timed per epoch over the training pass, loader included, as the library's
EpochMetrics.TrainImagesPerSecond is: one warm-up epoch, then the best of --epochs. Random weights: torchvision's pretrained weights cannot be downloaded
here, and speed does not depend on them. Prints one JSON line with the best images/s over the repetitions.

Run with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 (glibc allocator churn otherwise slows it ~7x).
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torchvision
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fuse_batch_norms(module):
    """Replaces every Conv2d directly followed by BatchNorm2d inside a Sequential by one fused, biased Conv2d."""
    for child in module.children():
        fuse_batch_norms(child)
    if isinstance(module, nn.Sequential):
        for i in range(len(module) - 1):
            if isinstance(module[i], nn.Conv2d) and isinstance(module[i + 1], nn.BatchNorm2d):
                module[i] = fuse_conv_bn_eval(module[i].eval(), module[i + 1].eval())
                module[i + 1] = nn.Identity()


def blocks(arch, unfreeze):
    """(frozen part, trainable part, feature channels, whether the trainable part runs in training mode)."""
    if arch == "mobilenet_v2":
        network = torchvision.models.mobilenet_v2()
        network.eval()
        fuse_batch_norms(network)
        parts = list(network.features)
        width, train_mode = 1280, True  # no batch norm left after fusing; training mode changes nothing else
    elif arch == "resnet18":
        n = torchvision.models.resnet18()
        parts = [nn.Sequential(n.conv1, n.bn1, n.relu, n.maxpool), *n.layer1, *n.layer2, *n.layer3, *n.layer4]
        width, train_mode = 512, False  # batch norm in inference mode, as the library trains by default
    else:
        features = list(torchvision.models.vgg16().features)
        pools = [i for i, m in enumerate(features) if isinstance(m, nn.MaxPool2d)]
        starts = [0] + [p + 1 for p in pools[:-1]]
        parts = [nn.Sequential(*features[s:p + 1]) for s, p in zip(starts, pools)]
        width, train_mode = 512, True
    return nn.Sequential(*parts[: len(parts) - unfreeze]), nn.Sequential(*parts[len(parts) - unfreeze:]), width, train_mode


class ImageList(torch.utils.data.Dataset):
    """The images of a 'path<TAB>label' list, decoded with PIL, resized and normalised as the library's default."""

    def __init__(self, path, size):
        with open(path) as f:
            self.items = [(p, int(l)) for p, l in (line.rstrip("\n").split("\t") for line in f if line.strip())]
        self.transform = torchvision.transforms.Compose([
            torchvision.transforms.Resize((size, size)),
            torchvision.transforms.ToTensor(),
            torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ])

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        from PIL import Image
        path, label = self.items[i]
        with Image.open(path) as image:
            return self.transform(image.convert("RGB")), label


def epochs_over_images(args, step_on):
    dataset = ImageList(args.images, args.size)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                         persistent_workers=args.workers > 0, generator=torch.Generator().manual_seed(1))
    rates = []
    for epoch in range(1 + args.epochs):
        seen = 0
        start = time.perf_counter()
        for batch_images, batch_labels in loader:
            step_on(batch_images, batch_labels)
            seen += len(batch_labels)
        if epoch > 0:
            rates.append(seen / (time.perf_counter() - start))
    return {
        "imagesPerSecond": round(max(rates), 2),
        "epochImagesPerSecond": [round(r, 2) for r in rates],
        "images": len(dataset),
        "workers": args.workers,
        **setting(args),
    }


def setting(args):
    """What every result line says of the run."""
    return {
        "torchVersion": torch.__version__,
        "torchvisionVersion": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "arch": args.arch,
        "unfreeze": args.unfreeze,
        "size": args.size,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--unfreeze", type=int, default=5)
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--arch", choices=["mobilenet_v2", "resnet18", "vgg16"], default="mobilenet_v2")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--images", help="a file of 'path<TAB>label' lines: time epochs over these images instead of one in-memory batch")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes (with --images)")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after a warm-up epoch (with --images)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    frozen, trainable, width, train_mode = blocks(args.arch, args.unfreeze)
    features = nn.Sequential(frozen, trainable)
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(width, args.classes))
    for p in frozen.parameters():
        p.requires_grad_(False)
    frozen.eval()
    trainable.train(train_mode)
    head.train()
    parameters = list(trainable.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=1e-3, weight_decay=0.01)
    loss_function = nn.CrossEntropyLoss()
    images = torch.randn(args.batch, 3, args.size, args.size)
    labels = torch.randint(0, args.classes, (args.batch,))

    def step_on(batch_images, batch_labels):
        optimizer.zero_grad(set_to_none=True)
        with torch.no_grad():
            prefix = frozen(batch_images)
        loss = loss_function(head(trainable(prefix)), batch_labels)
        loss.backward()
        optimizer.step()

    def step():
        step_on(images, labels)

    if args.images:
        print(json.dumps(epochs_over_images(args, step_on)))
        return

    def forward():
        with torch.no_grad():
            features(images)

    step()  # warm-up
    step()
    rates = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(args.steps * args.batch / (time.perf_counter() - start))
    forward()
    forward_rates = []
    for _ in range(max(2, args.repetitions // 2)):
        start = time.perf_counter()
        forward()
        forward_rates.append(args.batch / (time.perf_counter() - start))
    result = {
        "imagesPerSecond": round(max(rates), 2),
        "repetitionImagesPerSecond": [round(r, 2) for r in rates],
        "frozenForwardImagesPerSecond": round(max(forward_rates), 2),
        **setting(args),
        "trainableParameters": sum(p.numel() for p in parameters),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
