"""The thesis' three studies on real CIFAR-10, sized to finish on 2 CPU cores (~1 hour).

Rate–distortion: all seven BLS λ fitted with the default (``fast``) fit recipe on the same
first 10,000 training images the classifiers use (500 of them held out for the validation
loss), and gated against JPEG on all 10,000 test images (thesis Fig 3.2, Table 3.1; the
thesis fitted on all 50,000 for far longer). Classifiers reduced: the
two smallest VGG11 variants of Table 3.2 (VGG11-4, VGG11-5), 8 epochs, one seed, the first
10,000 training images, tested on the first 2,000 test images clean, compressed the same way
(§3.3) and on CIFAR-10-C generated from those 2,000 (ch.4), with BDA/BDAD/BDADS and the
joined top-2 BLS set. Run it with the data root, e.g.

    python -m grid.launch sweep=reproduce data.cifar10=/path/to/cifar10 executor=local

docs/reproduction/ holds a committed run and its claims table.
"""

from grid.sweeps import BLUR_KERNELS, JPEG_CH4, LAMBDAS, NOISE_SIGMAS

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11-4", "vgg11-5"],
    "seeds": 1,
    "codecs": {"bls": LAMBDAS, "jpeg": JPEG_CH4, "noise": NOISE_SIGMAS, "blur": BLUR_KERNELS},
    "test_on_compressed": True,
    "cifar10c": True,
    "select": {"methods": ["bda", "bdad", "bdads"], "top_k": 2, "joined": ["bls"]},
    "data": {"train_limit": 10000, "test_limit": 2000},
    "gate": {"images": None},
    "train": {"epochs": 8},
}
