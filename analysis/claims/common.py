"""Small pieces the claim checks share: the arms of a scope and text helpers."""

from __future__ import annotations

import math

import pandas as pd

from analysis.arms import single_level
from analysis.evidence import Evidence
from lcc.specs.gate import REFERENCES

SCOPE = ["arch", "dataset"]


def objects(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with the given categorical/string columns as plain objects."""
    return frame.astype({c: object for c in columns if c in frame})


def on_own_test_images(gate_rows: pd.DataFrame) -> pd.Series | bool:
    """Which ``codec_gate`` rows were measured on their dataset's own test images (reference
    ``test``, or none: rows from before the gate had references), not on another image set
    such as ``tiny-2x`` (Tiny ImageNet downsampled to 32x32: neither CIFAR-10's images nor
    Table 3.1's 64x64 Tiny ImageNet)."""
    if "reference" not in gate_rows:
        return True
    return gate_rows["reference"].isna() | (gate_rows["reference"] == REFERENCES[0])


def scope_text(arch: str, dataset: str) -> str:
    return f"{arch}/{dataset}"


def skipped_text(skipped: list[str]) -> str:
    return f"; not compared: {'; '.join(skipped)}" if skipped else ""


def single_level_sets(evidence: Evidence, arch: str, dataset: str) -> dict[tuple[str, float], str]:
    """``(codec, level) -> train_set label`` of the single-level sets of one scope that have
    predictions (level NaN for the original data, keyed as ``("identity", nan)``: use
    :func:`find_set`)."""
    models = evidence.models
    mine = models[(models["arch"] == arch) & (models["dataset"] == dataset)]
    mine = mine[single_level(mine)]
    return {
        (str(c), float(lv) if lv is not None else math.nan): str(t)
        for c, lv, t in zip(mine["codec"], mine["level"], mine["train_set"], strict=True)
    }


def find_set(sets: dict[tuple[str, float], str], codec: str, level: float | None) -> str | None:
    """The label of ``codec`` at ``level`` (None: the level-less original) in ``sets``."""
    for (c, lv), label in sets.items():
        if c != codec:
            continue
        if level is None or (isinstance(level, float) and math.isnan(level)):
            if math.isnan(lv):
                return label
        elif not math.isnan(lv) and math.isclose(lv, float(level), rel_tol=1e-9):
            return label
    return None


def scopes(evidence: Evidence) -> list[tuple[str, str]]:
    """Every (arch, dataset) with predictions, sorted."""
    pairs = evidence.models[SCOPE].astype(str).drop_duplicates()
    return sorted(map(tuple, pairs.to_numpy()))
