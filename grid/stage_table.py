"""What each stage is, as plain data: its version and its result tables; the select stage's
methods. No imports, so :mod:`grid.job` (signatures) and ``analysis`` read it without loading
the stage functions or torch; :mod:`grid.stages.registry` checks every ``@stage`` against it.
The versions of grid's own stages (and select and report) are written here only: their
``declare`` and ``@stage`` give none (:data:`grid.stages.registry.BUILT_IN`).
"""

from __future__ import annotations

# Each stage's version, part of every job signature of that stage (grid.job.signature_of):
# bump it when the stage's results change for the same config (new semantics, a fixed bug,
# a changed constant the config does not carry), and every job of it, and everything
# downstream, reruns. Plain data, importable without torch. This is the one place a built-in
# stage's version is written; a plugin stage's enters from its @stage(name, version=N).
STAGE_VERSIONS: dict[str, int] = {
    "fit-codec": 1,
    # gate-reference 1: JPEG's gate curve (q1, q5..q95) once per image set, read by check-codec.
    "gate-reference": 1,
    # check-codec 2: reads JPEG's curve from gate-reference jobs, one candidate row per image
    # set (column reference: test, tiny-2x), header-free rate and margins beside the headline.
    "check-codec": 2,
    "encode": 1,
    "prepare-cifar10c": 1,
    # train 2, evaluate 2: the best epoch is chosen on the selection part of the test images
    # (lcc.evaluate.holdout), rows gain the accuracies per part and control_for, a control
    # arm resolves its level at run time, and evaluate writes per-image predictions.
    "train": 2,
    "evaluate": 2,
    "fourier": 1,
    # gabor 1: Gabor response histograms of a training set (thesis §6.2, future work).
    "gabor": 1,
    # saliency 1: gradient saliency maps of a model on clean and compressed test images (§6.2).
    "saliency": 1,
    # contrastive 1: NT-Xent pretraining on two compression levels (thesis §6.3, Fig 6.2).
    "contrastive": 1,
    # select 2: levels are ranked on the selection part of the test images.
    "select": 2,
    "report": 1,
}

# The result tables each stage writes its rows to (grid/store/schemas.py), declared once:
# analysis reads this to know which table a planned job fills (the first: a job without rows
# there is missing, analysis.plan.rows_table; evaluate's predictions are read on demand).
STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "fit-codec": ("codec_fit",),
    "gate-reference": ("codec_gate",),
    "check-codec": ("codec_gate",),
    "encode": ("rate_distortion",),
    "prepare-cifar10c": (),
    "train": ("train_curve",),
    "evaluate": ("evaluation", "predictions"),
    "fourier": ("fourier_sensitivity",),
    "gabor": ("gabor_response",),
    "saliency": ("saliency",),
    "contrastive": ("contrastive_curve",),
    "select": ("selection",),
    "report": (),
}

# The selection methods the select stage computes (thesis §4.2; analysis.selections).
SELECT_METHODS = ("bda", "bdad", "bdads")


def stage_version(name: str) -> int:
    """The version of stage ``name`` (:data:`STAGE_VERSIONS`); one-line KeyError if it has none."""
    if name not in STAGE_VERSIONS:
        raise KeyError(
            f"stage {name!r} has no version; declared: {', '.join(STAGE_VERSIONS)} "
            "(a plugin stage declares one with @stage(..., version=N))"
        )
    return STAGE_VERSIONS[name]
