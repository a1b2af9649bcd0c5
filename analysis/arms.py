"""Which kind of training set a row is about: a single level, a joined set, or a control.

Three kinds of trained model share the result tables (columns of ``TRAINED_MODEL``,
grid/store/schemas.py):

- a **single-level** set: one codec at one level, or the original data (``joined`` False,
  ``control_for`` null) — what the thesis' figures, BDA/BDAD/BDADS and claims C3/C4 compare;
- a **joined** set (``joined`` True): the top-k BDA levels of a codec concatenated (thesis
  §4.3), label ``<codec>:top<k>`` (``...:w=<rule>`` for the loss-weighted joins of §6.3);
- a **steps-matched control** (``control_for`` names a joined set's label): one part of that
  joined set trained for k times the epochs, so it takes as many optimiser steps as the joined
  set (claim C5; grid/expand.py builds it). Its ``level`` is the part's level;
- a **soft-label comparison** set (``train_set`` one of
  :data:`lcc.specs.soft_labels.SOFT_LABEL_SETS`): the test images trained against human soft
  labels or their hard labels, evaluated on the training images (thesis §6.3 future work;
  grid/expand_soft_labels.py). Only the table "Soft labels (§6.3)" reads them.

Every filter for "single-level sets" goes through :func:`single_level`, so a control arm never
enters a ranking or a figure of single levels by mistake.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lcc.specs.soft_labels import SOFT_LABEL_SETS


def controls(frame: pd.DataFrame) -> np.ndarray:
    """bool ``(len(frame),)``: rows of a steps-matched control arm (``control_for`` set).

    Rows written before the column existed count as no control.
    """
    if "control_for" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["control_for"].notna().to_numpy()


def joined(frame: pd.DataFrame) -> np.ndarray:
    """bool ``(len(frame),)``: rows of a joined training set."""
    return frame["joined"].astype(bool).to_numpy()


def soft_label_sets(frame: pd.DataFrame) -> np.ndarray:
    """bool ``(len(frame),)``: rows of a soft-label comparison set (module docstring)."""
    return frame["train_set"].isin(SOFT_LABEL_SETS).to_numpy()


def single_level(frame: pd.DataFrame) -> np.ndarray:
    """bool ``(len(frame),)``: rows of a single-level training set (or the original data)."""
    return ~joined(frame) & ~controls(frame) & ~soft_label_sets(frame)
