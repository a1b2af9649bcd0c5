"""The thesis' future work on CIFAR-10 at thesis size (ch.6), on top of the robustness study
(ch.4): codecs fitted on other objectives and a stronger learned codec (§6.1, the codecs of
``future_codecs`` at the BLS λ grid), Fourier heat maps (§6.2) and loss-weighted multi-level
training (§6.3).

Every training (the robustness sweep's jobs are shared) gets a Fourier heat map on 1,000 test
images (stage ``fourier``), every training set its Gabor response histograms on its first
1,000 images (stage ``gabor``, a few CPU seconds each), every training SmoothGrad saliency
maps on 1,000 test images, clean and JPEG q10, 16 noisy copies each (stage ``saliency``,
2 x 16,000 forward and backward passes a model), and the top-2 BLS join is trained
unweighted and with each weighting rule of :mod:`lcc.train.weights`, beside the single levels
in the ch.4 figures. Contrastive pretraining (§6.3, Fig 6.2, stage ``contrastive``) pairs BLS
λ 0.012/0.1 and JPEG q10/q40; each encoder's linear probe is trained and evaluated like every
model, per seed.

Human soft labels (§6.3, Peterson et al. 2019's set-up; grid/expand_soft_labels.py) are planned
only when CIFAR-10H's file is given, since it is not shipped:
``python -m grid.launch sweep=future_work data.soft_labels=/path/to/cifar10h-probs.npy``
adds, per architecture and seed, a training on the test images against it and one against
their hard labels, both evaluated on the training images (table "Soft labels (§6.3)"). The
key works in every sweep (``future_cpu`` included, on the synthetic data with a (1000, 10)
file).
"""

from grid.settings import merge
from grid.sweeps.future_codecs import SWEEP as FUTURE_CODECS
from lcc.specs.weights import WEIGHTING_RULES

SWEEP = merge(
    FUTURE_CODECS,
    {
        "codecs": {**FUTURE_CODECS["codecs"], "hog-jpeg": [10, 40]},  # §6.1: HOG foreground
        "select": {"weighting": list(WEIGHTING_RULES)},
        "fourier": {"enabled": True, "images": 1000},
        "gabor": {"enabled": True, "images": 1000},
        "saliency": {"enabled": True, "images": 1000},
        # §6.3, Fig 6.2: a strong and a mild level of each codec, the pairs future_cpu trains
        # on (its two BLS λ, its two JPEG qualities), so the CPU run previews this one; 100
        # epochs, the scale at which SimCLR's linear probe nears its plateau (Chen et al.
        # 2020, Fig 9); a linear probe, as Fig 6.2 reads ("the encoder's output").
        "contrastive": {
            "enabled": True,
            "pairs": ["bls:0.012+0.1", "jpeg:10+40"],
            "epochs": 100,
            "batch_size": 512,
        },
    },
)
