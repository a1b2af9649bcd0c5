"""Thesis ch.4: compression, noise and blur as data augmentation for robustness.

VGG11 on CIFAR-10 trained on every level of BLS, JPEG (incl. q80), Gaussian noise and blur
and on the original data, × 3 seeds, evaluated on CIFAR-10-C; BDA/BDAD/BDADS selection; then
the top-2 BLS levels chosen by BDA joined into one training set.
"""

from grid.sweeps import BLUR_KERNELS, JOINED_TOP_K, JPEG_CH4, LAMBDAS, NOISE_SIGMAS

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11"],
    "seeds": 3,
    "codecs": {"bls": LAMBDAS, "jpeg": JPEG_CH4, "noise": NOISE_SIGMAS, "blur": BLUR_KERNELS},
    "cifar10c": True,
    "select": {"methods": ["bda", "bdad", "bdads"], "top_k": JOINED_TOP_K, "joined": ["bls"]},
}
