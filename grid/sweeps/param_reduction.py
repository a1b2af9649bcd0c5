"""Thesis §3.3 "reduced model parameters": CIFAR-10, BLS λ 0.012..0.1 and original, × the
reduced VGG11/ResNet18 variants and the originals × 3 seeds, tested on test data compressed
the same way."""

from grid.sweeps import RES_REDUCED, VGG_REDUCED

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11", *VGG_REDUCED, "resnet18", *RES_REDUCED],
    "seeds": 3,
    "codecs": {"bls": [0.012, 0.033, 0.05, 0.1]},
    "test_on_compressed": True,
}
