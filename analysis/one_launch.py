"""Refusing rows of two launches in one cell before picking epochs, seeds or levels.

The pickers (:func:`analysis.seeds.best_epoch`, :func:`~analysis.seeds.choose_seeds` and
what calls it, :func:`~analysis.seeds.seed_summary`, :func:`analysis.selections.rank_levels`,
:func:`~analysis.selections.select_levels`) assume each cell holds one job's rows. Rows read
straight from a view (``pandas.read_parquet("results/<sweep>/train_curve")`` of a folder an
older launcher left) or loaded with ``include_superseded=True`` can hold two launches of a
sweep (``epochs=2`` then ``epochs=3``: two training signatures per model); picked together,
a best epoch or seed would silently come from either launch.

A cell of ``train_curve`` or ``evaluation`` rows, and of rows derived from them (best epochs,
best-of-seeds), is a trained model ``(arch, dataset, train_set, seed)`` together with the
eval sets its job measured (the ``eval_set`` values of that signature's rows). One launch
legitimately holds several jobs per model that differ in eval sets: the thesis sweep evaluates
a model with compressed test data (classification part) and with CIFAR-10-C (robustness
part). Two signatures of one model with the same eval sets come from two launches.
Limits: rows filtered to one eval set before picking can make two such legitimate jobs look
alike (pick first, then filter); a relaunch that changed a job's eval sets is not detected.
Frames without a ``signature`` column (hand-made ones) are not checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.completeness import MODEL_KEYS

ADVICE = "rows of two launches; load without include_superseded or pass one launch's rows"


class MixedLaunchesError(ValueError):
    """Rows holding two jobs' signatures for one cell (rows of two launches of a sweep)."""


def check_one_launch(frame: pd.DataFrame, what: str) -> None:
    """Raise :class:`MixedLaunchesError` (one line: ``what``, the first such cell, its
    signatures, how it happens) when ``frame`` holds two signatures of one cell."""
    if frame.empty or "signature" not in frame or not set(MODEL_KEYS) <= set(frame.columns):
        return
    jobs = _jobs(frame)
    cell = [*MODEL_KEYS, "eval_sets"]
    mixed = jobs[jobs.duplicated(cell, keep=False)]
    if mixed.empty:
        return
    key = mixed[cell].astype(str).agg("|".join, axis=1)
    first, same = mixed.iloc[0], mixed[(key == key.iloc[0]).to_numpy()]
    where = ", ".join(f"{column}={first[column]}" for column in MODEL_KEYS)
    others = key.nunique() - 1
    more = f" (and {others} more cells)" if others else ""
    raise MixedLaunchesError(
        f"{what}: {len(same)} signatures for one cell {where}, eval sets "
        f"{first['eval_sets'] or 'none'}: {', '.join(sorted(same['signature']))}{more}; {ADVICE}"
    )


def _jobs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per signature: its model (:data:`MODEL_KEYS`) and ``eval_sets``, the sorted
    ``eval_set`` values of its rows joined by ``+`` (empty without an ``eval_set`` column)."""
    columns = ["signature", *MODEL_KEYS, *(["eval_set"] if "eval_set" in frame else [])]
    pairs = frame[columns].drop_duplicates().astype(object)  # a few rows per job
    if "eval_set" not in pairs:
        return pairs.drop_duplicates("signature").assign(eval_sets="").reset_index(drop=True)
    codes, names = pd.factorize(pairs["eval_set"], sort=True)  # NaN: -1, no bit
    bits = pd.Series(np.where(codes >= 0, np.left_shift(1, codes.clip(0)), 0), pairs.index)
    masks = bits.groupby(pairs["signature"]).transform("sum")
    jobs = pairs.assign(mask=masks).drop_duplicates("signature").drop(columns="eval_set")
    jobs["eval_sets"] = [
        "+".join(str(name) for i, name in enumerate(names) if mask >> i & 1)
        for mask in jobs["mask"]
    ]
    return jobs.drop(columns="mask").reset_index(drop=True)
