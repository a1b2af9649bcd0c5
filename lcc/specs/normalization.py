"""Per-dataset input statistics by name: channel means and standard deviations on the
[0, 1] scale, RGB order (torch-free: a training recipe is resolved from them at plan time;
:mod:`lcc.evaluate.normalization` applies them)."""

from __future__ import annotations

Stats = tuple[tuple[float, float, float], tuple[float, float, float]]  # (mean, std)

STATISTICS: dict[str, Stats] = {
    # Statistics of the 50,000 CIFAR-10 training images (population std).
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    # Statistics of the 100,000 Tiny ImageNet training images.
    "tinyimagenet": ((0.4802, 0.4481, 0.3975), (0.2770, 0.2691, 0.2821)),
    # The generated test datasets have no published statistics: mid-grey, quarter range.
    "synthetic": ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    "synthetic-tiny": ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    "none": ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
}


def statistics(name: str) -> Stats:
    """(mean, std) of normalisation ``name``; a one-line KeyError listing the valid ones."""
    if name not in STATISTICS:
        raise KeyError(f"unknown normalization {name!r}; valid: {', '.join(STATISTICS)}")
    return STATISTICS[name]
