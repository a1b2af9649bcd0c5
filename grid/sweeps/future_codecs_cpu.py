"""Thesis §6.1 future codecs on real CIFAR-10, sized for 2 CPU cores (estimated ≤ 25 min).

BLS, ``bls-ssim``, ``bls-task`` and ``mbt-mean`` at two λ each and JPEG at three qualities,
fitted with the ``fast`` recipe cut to 8 epochs × 100 steps (800 steps of 32 crops) on the
first 5,000 training images (500 held out); every codec gated against JPEG on the first 1,000
test images; VGG11-4 trained 6 epochs, one seed, on each training set (the original data's
classifier is also the frozen classifier of ``bls-task``), tested on the first 1,000 test
images. The fits are short, so all learned codecs are under-trained alike: the comparison is
between objectives at an equal step budget, not against converged codecs. Run it with

    python -m grid.launch sweep=future_codecs_cpu data.cifar10=/path/to/cifar10 executor=local
"""

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11-4"],
    "seeds": 1,
    "codecs": {
        "bls": [0.005, 0.05],
        "bls-ssim": [0.005, 0.05],
        "bls-task": [0.005, 0.05],
        "mbt-mean": [0.005, 0.05],
        "jpeg": [10, 40, 80],
    },
    "data": {"train_limit": 5000, "test_limit": 1000},
    "fit": {"epochs": 8, "max_steps_per_epoch": 100},
    "gate": {"images": 1000},
    "train": {"epochs": 6},
}
