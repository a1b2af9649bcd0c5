"""Refusing to summarise incomplete cells.

A *run* is one training cell ``(arch, dataset, train_set)``; its seeds are its repetitions. A
run is *unavailable* when a planned job that would give it rows has none (see
:func:`analysis.load.missing_jobs`) or when its rows cannot be summarised (a NaN accuracy, a
seed without the row a rule needs). Every selection and average either raises
:class:`IncompleteCellsError` over unavailable runs (``on_incomplete="raise"``, the default) or
drops the affected groups and lets the caller list them (``on_incomplete="drop"``); none is
ever computed silently on whatever rows happen to be there.
"""

from __future__ import annotations

import pandas as pd

RUN_KEYS = ["arch", "dataset", "train_set"]
UNAVAILABLE_COLUMNS = [*RUN_KEYS, "codec", "joined", "reason"]
ON_INCOMPLETE = ("raise", "drop")

# Which planned stages feed a table's rows for one run.
STAGES_FEEDING = {"train_curve": ("train",), "evaluation": ("train", "evaluate")}


class IncompleteCellsError(ValueError):
    """A selection or average was asked for over cells that are missing or NaN."""


def check_on_incomplete(on_incomplete: str) -> None:
    """A one-line error unless ``on_incomplete`` is ``"raise"`` or ``"drop"``."""
    if on_incomplete not in ON_INCOMPLETE:
        raise ValueError(f"on_incomplete={on_incomplete!r}; valid choices: raise, drop")


def empty_unavailable() -> pd.DataFrame:
    """An unavailable-runs table without rows."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in UNAVAILABLE_COLUMNS})


def unavailable_runs(missing: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """The runs lacking rows of ``table`` because a planned job feeding it has none.

    ``missing`` is :attr:`analysis.load.Results.missing`; ``table`` is ``"train_curve"`` or
    ``"evaluation"``. Returns columns :data:`UNAVAILABLE_COLUMNS`.
    """
    if table not in STAGES_FEEDING:
        raise KeyError(f"table {table!r} has no runs; valid tables: {', '.join(STAGES_FEEDING)}")
    if missing is None or missing.empty:
        return empty_unavailable()
    rows = missing[missing["stage"].isin(STAGES_FEEDING[table])].copy()
    rows["reason"] = rows["stage"] + " job " + rows["signature"] + " " + rows["reason"]
    rows["joined"] = rows["joined"].fillna(False).astype(bool)
    return rows[UNAVAILABLE_COLUMNS].reset_index(drop=True)


def raise_or_report(refused: pd.DataFrame, on_incomplete: str, what: str) -> None:
    """Raise :class:`IncompleteCellsError` naming the first refused group, in raise mode."""
    check_on_incomplete(on_incomplete)
    if on_incomplete == "raise" and len(refused):
        first = refused.iloc[0]
        keys = ", ".join(f"{k}={first[k]}" for k in refused.columns if k != "reason")
        raise IncompleteCellsError(
            f"{what}: {len(refused)} incomplete group(s), first {keys}: {first['reason']}"
        )


def drop_matching(frame: pd.DataFrame, refused: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` without the rows whose ``keys`` equal those of a row of ``refused``."""
    if refused.empty or frame.empty:
        return frame
    marker = refused[keys].drop_duplicates().astype(object).assign(_refused=True)
    merged = frame[keys].astype(object).merge(marker, on=keys, how="left")
    return frame[merged["_refused"].isna().to_numpy()]
