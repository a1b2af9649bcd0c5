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
in the ch.4 figures.
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
    },
)
