"""ResNet18 and its reduced variants, CIFAR style.

3x3 stride-1 stem (64 channels, BatchNorm, ReLU, no max-pool), BasicBlocks with 1x1
projection shortcuts where the shape changes, stages of widths 64/128/256/512 with strides
1/2/2/2, then a 4x4 average pool and one Linear head on the flattened result, so the head
input is ``width * (spatial / 4)^2`` (512 for 32x32 ResNet18, 2048 for 64x64).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lcc.specs.models import (
    POOL,
    STAGE_STRIDES,
    STAGE_WIDTHS,
    STEM,
    downsampling,
    kept_stages,
)


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the (projected) input, then ReLU."""

    def __init__(self, in_channels: int, width: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_channels != width:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, width, 1, stride=stride, bias=False),
                nn.BatchNorm2d(width),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """ResNet on ``(B, 3, S, S)`` float images -> ``(B, num_classes)`` logits.

    ``blocks[i]`` BasicBlocks in stage ``i``; trailing zeros drop stages (Table 3.3).
    """

    def __init__(self, blocks: Sequence[int], num_classes: int, image_size: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, STEM, 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(STEM),
            nn.ReLU(inplace=True),
        )
        stages: list[nn.Module] = []
        in_channels = STEM
        kept = kept_stages(blocks)
        widths, strides = STAGE_WIDTHS[: len(kept)], STAGE_STRIDES[: len(kept)]
        for count, width, stride in zip(kept, widths, strides, strict=True):
            layers = []
            for i in range(count):
                layers.append(BasicBlock(in_channels, width, stride if i == 0 else 1))
                in_channels = width
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        side = image_size // (downsampling(blocks) * POOL)
        self.classifier = nn.Linear(in_channels * side * side, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The features the head reads: ``(B, 3, S, S)`` -> ``(B, self.classifier.in_features)``."""
        return torch.flatten(F.avg_pool2d(self.stages(self.stem(x)), POOL), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(x))
