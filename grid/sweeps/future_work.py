"""The thesis' future work on CIFAR-10 at thesis size (ch.6): Fourier heat maps (§6.2) and
loss-weighted multi-level training (§6.3), on top of the robustness study (ch.4).

Every training of the robustness sweep (same jobs, shared) gets a Fourier heat map on 1,000
test images (stage ``fourier``), and the top-2 BLS join is trained unweighted and with each
weighting rule of :mod:`lcc.train.weights`, beside the single levels in the ch.4 figures.
The learned-codec future work (§6.1) is its own sweep (``future_codecs``); a sweep running
both would be ``PARTS = ["future_work", "future_codecs"]``.
"""

from grid.settings import merge
from grid.sweeps.robustness import SWEEP as ROBUSTNESS
from lcc.train.weights import WEIGHTING_RULES

SWEEP = merge(
    ROBUSTNESS,
    {
        "select": {"weighting": list(WEIGHTING_RULES)},
        "fourier": {"enabled": True, "images": 1000},
    },
)
