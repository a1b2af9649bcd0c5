"""Thesis ch.3: classifiers trained on compressed data, tested on original test data.

JPEG q 1..60 and the seven learned λ (BLS on CIFAR-10, BMHJ on Tiny ImageNet) plus the
original data, × {CIFAR-10, Tiny ImageNet} × {VGG11, ResNet18} × 3 seeds.
"""

from grid.sweeps import JPEG_CH3, LAMBDAS

SWEEP = {
    "datasets": ["cifar10", "tinyimagenet"],
    "archs": ["vgg11", "resnet18"],
    "seeds": 3,
    "codecs": {"jpeg": JPEG_CH3, "bls": LAMBDAS, "bmhj": LAMBDAS},
}
