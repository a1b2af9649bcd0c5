"""VGG classifiers for small images: 3x3 convs (with bias) + BatchNorm + ReLU, 2x2 max-pools.

A layout is a sequence of output widths and ``"M"`` (a 2x2 max-pool). The last feature map
must be 1x1, so the head is a single ``Linear(last width, num_classes)``.
"""

from __future__ import annotations

import torch
from torch import nn

from lcc.specs.models import Layout


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

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The features the head reads: ``(B, 3, S, S)`` -> ``(B, self.classifier.in_features)``."""
        return torch.flatten(self.features(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))
