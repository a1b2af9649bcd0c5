"""The held-out state of a codec fit: early stopping and schedule ``plateau``'s decays and stops.

After every epoch with held-out images, :func:`held_out_epoch` updates one plain dict (kept in
the fit's checkpoint, so a resumed fit continues it): the best held-out loss, the epochs since
it last fell by a fraction ``min_delta`` (``bad_epochs``), whether and why the fit stopped, and
for schedule ``plateau`` the rate's scale and the last decay (:func:`plateau_epoch`). The
settings are those of :class:`lcc.specs.fit_recipe.FitRecipe`; docs/CODEC_FIT.md has the
curves behind them.
"""

from __future__ import annotations

import math

from lcc.specs.fit_recipe import FitRecipe

# The plateau state of a fit's start (kept in the checkpoint with the early-stopping state).
PLATEAU_START = {
    "scale": 1.0,  # the rate's multiplier: the product of the decays so far
    "decays": 0,
    "last_decay": 0,  # the epoch after which the last decay took effect (0: none yet)
    "best_at_decay": None,  # the best held-out loss when it did
    "reason": None,  # why the fit ended: patience, plateau, floor (cap is decided at the end)
}


def start_state() -> dict:
    """The held-out state of a fit before its first epoch."""
    return {"best": math.inf, "bad_epochs": 0, "stopped": False, **PLATEAU_START}


def resumed_state(saved: dict) -> dict:
    """The held-out state saved in a checkpoint; one written before schedule plateau existed
    lacks the plateau keys and gets their start values."""
    return {**PLATEAU_START, **saved}


def held_out_epoch(state: dict, epoch: int, val_loss: float, recipe: FitRecipe) -> None:
    """Update ``state`` after epoch ``epoch`` (1-based) scored held-out loss ``val_loss``.

    The epoch is bad unless the loss fell below the best by a fraction ``recipe.min_delta``
    (the first epoch always sets the best). With ``recipe.patience``, that many bad epochs in
    a row stop the fit ("patience"); otherwise, with schedule ``plateau``,
    :func:`plateau_epoch` decides the rate's decays and the stop.
    """
    if state["best"] == math.inf or val_loss < state["best"] * (1 - recipe.min_delta):
        state["best"], state["bad_epochs"] = val_loss, 0
    else:
        state["bad_epochs"] += 1
    state["stopped"] = recipe.patience is not None and state["bad_epochs"] >= recipe.patience
    if state["stopped"]:
        state["reason"] = "patience"
    elif recipe.schedule == "plateau":
        plateau_epoch(state, epoch, recipe)


def plateau_epoch(state: dict, epoch: int, recipe: FitRecipe) -> None:
    """Update the plateau ``state`` after epoch ``epoch``.

    ``state["best"]`` and ``state["bad_epochs"]`` are already updated (epochs since the
    held-out loss last fell by a fraction ``min_delta`` of its best). In order:

    1. ``stop_window`` epochs after a decay, stop ("plateau") if the best held-out loss fell
       by less than a fraction ``stop_delta`` of its value at the decay: the decay bought
       too little, so the fit has converged at this rate.
    2. After ``decay_patience`` bad epochs, multiply the rate by ``decay_factor`` (not below
       ``lr_floor`` of the peak) and reset the bad epochs; if the rate is already at the
       floor, stop ("floor").
    """
    if state["decays"] and epoch - state["last_decay"] == recipe.stop_window:
        before = state["best_at_decay"]
        if before - state["best"] < recipe.stop_delta * abs(before):
            state["stopped"], state["reason"] = True, "plateau"
            return
    if state["bad_epochs"] >= recipe.decay_patience:
        if state["scale"] <= recipe.lr_floor:
            state["stopped"], state["reason"] = True, "floor"
            return
        state["scale"] = max(recipe.lr_floor, state["scale"] * recipe.decay_factor)
        state["decays"] += 1
        state["last_decay"] = epoch
        state["best_at_decay"] = state["best"]
        state["bad_epochs"] = 0


def stop_reason(state: dict, epochs_done: int, cap: int) -> str | None:
    """Why a fit that ran ``epochs_done`` epochs of at most ``cap`` ended: the reason in
    ``state``, else ``"cap"`` once the cap is reached, else None (not ended)."""
    return state["reason"] or ("cap" if epochs_done >= cap else None)
