"""The future-work sweep on real CIFAR-10, sized for 2 CPU cores (26.8 CPU-minutes measured).

``future_work`` shrunk: VGG11-4, one seed, 6 epochs on the first 5,000 training images,
tested on the first 1,000 test images clean and on CIFAR-10-C generated from them; JPEG
q10/q40, HOG-guided JPEG q10/q40 (§6.1), BLS at two λ (fitted with the ``fast`` recipe),
noise σ=0.1, blur 3x3 and the original data; BDA/BDAD/BDADS, the top-2 BLS join unweighted
and weighted by PSNR (§6.3); a Fourier heat map of every model on 100 test images (§6.2;
100 x 545 measured frequencies = 54,500 forward passes per model); Gabor response histograms
of every training set on its first 1,000 images (§6.2; some 2 CPU seconds a set); SmoothGrad
saliency maps of every model on the first 64 test images, clean and JPEG q10, 8 noisy copies
each (§6.2; about 1 CPU second a model); contrastive pretraining (§6.3, Fig 6.2) of a VGG11-4
encoder on BLS λ 0.012/0.1 and on JPEG q10/q40 of the 5,000 training images, 10 epochs each
(78 CPU seconds a pair), each followed by a linear probe trained (6 epochs on the original
images) and evaluated like every model. The CPU time per stage of the committed run is in
docs/future_work/README.md. Run it with the data root, e.g.

    python -m grid.launch sweep=future_cpu data.cifar10=/path/to/cifar10 executor=local
"""

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11-4"],
    "seeds": 1,
    "codecs": {
        "bls": [0.012, 0.1],
        "jpeg": [10, 40],
        "hog-jpeg": [10, 40],  # thesis §6.1: JPEG outside a HOG foreground, the foreground kept
        "noise": [0.1],
        "blur": [3],
    },
    "cifar10c": True,
    "select": {
        "methods": ["bda", "bdad", "bdads"],
        "top_k": 2,
        "joined": ["bls"],
        "weighting": ["none", "psnr"],
    },
    "fourier": {"enabled": True, "images": 100},
    "gabor": {"enabled": True, "images": 1000},
    "saliency": {"enabled": True, "images": 64, "samples": 8},
    # §6.3, Fig 6.2: an encoder per pair of the sweep's own levels, then a linear probe.
    "contrastive": {"enabled": True, "pairs": ["bls:0.012+0.1", "jpeg:10+40"], "epochs": 10},
    "data": {"train_limit": 5000, "test_limit": 1000},
    "train": {"epochs": 6},
}
