"""VGG classifiers for small images: 3x3 convs (with bias) + BatchNorm + ReLU, 2x2 max-pools.

A layout is a sequence of output widths and ``"M"`` (a 2x2 max-pool). The last feature map
must be 1x1, so the head is a single ``Linear(last width, num_classes)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

Layout = Sequence[int | str]


class VGG(nn.Module):
    """VGG on ``(B, 3, S, S)`` float images -> ``(B, num_classes)`` logits."""

    def __init__(self, layout: Layout, num_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 3
        for item in layout:
            if item == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                continue
            layers += [
                nn.Conv2d(in_channels, int(item), kernel_size=3, padding=1),
                nn.BatchNorm2d(int(item)),
                nn.ReLU(inplace=True),
            ]
            in_channels = int(item)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(in_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def pools_in(layout: Layout) -> int:
    """How many 2x2 max-pools ``layout`` has (each halves the spatial size)."""
    return sum(1 for item in layout if item == "M")


def vgg11_layout(image_size: int) -> list[int | str]:
    """VGG11's layout, with one more ``512, M`` stage per doubling of ``image_size`` beyond 32.

    32x32 (CIFAR-10) gives the classic 8 convs / 5 pools; 64x64 (Tiny ImageNet) gives the
    author's 9 convs / 6 pools, so the features always end at 1x1.
    """
    layout: list[int | str] = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    size = image_size // 2 ** pools_in(layout)
    while size > 1:
        layout += [512, "M"]
        size //= 2
    return layout


def reduced_vgg_layout(widths: Sequence[int]) -> list[int | str]:
    """A reduced VGG11 variant (Table 3.2): one conv per stage, a max-pool after every conv."""
    layout: list[int | str] = []
    for width in widths:
        layout += [width, "M"]
    return layout
