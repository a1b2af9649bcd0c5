"""Training progress: a tqdm bar with images/s on a terminal, periodic log lines elsewhere.

``"auto"`` picks the bar when stderr is a terminal and the job is not under Slurm
(``SLURM_JOB_ID`` unset), else log lines every ``interval_s`` seconds (and one per epoch).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from tqdm.auto import tqdm

log = logging.getLogger("lcc.train")

MODES = ("auto", "bar", "log", "off")


class Progress:
    """Silent progress (mode ``"off"``); the base of the bar and the log reporters.

    ``loss`` arguments are callables so a reporter that does not show them never forces a
    device synchronisation.
    """

    def start_epoch(self, epoch: int, epochs: int, n_images: int) -> None:
        """A new epoch of ``n_images`` training images begins."""

    def advance(self, n_images: int, loss: Callable[[], float]) -> None:
        """``n_images`` more images were trained on; ``loss()`` is the running mean loss."""

    def end_epoch(self, summary: str) -> None:
        """The epoch (training and evaluation) is over; ``summary`` is one line of figures."""


class BarProgress(Progress):
    """A tqdm bar per epoch counting images, so its rate reads in images/s."""

    def __init__(self, refresh_steps: int = 20) -> None:
        self.refresh_steps = refresh_steps
        self.bar: tqdm | None = None
        self.steps = 0

    def start_epoch(self, epoch: int, epochs: int, n_images: int) -> None:
        self.bar = tqdm(total=n_images, unit="img", unit_scale=True, desc=f"epoch {epoch}/{epochs}")
        self.steps = 0

    def advance(self, n_images: int, loss: Callable[[], float]) -> None:
        self.bar.update(n_images)
        self.steps += 1
        if self.steps % self.refresh_steps == 0:
            self.bar.set_postfix(loss=f"{loss():.4f}")

    def end_epoch(self, summary: str) -> None:
        self.bar.set_postfix_str(summary)
        self.bar.close()


class LogProgress(Progress):
    """Plain log lines (logger ``lcc.train``) every ``interval_s`` seconds and per epoch."""

    def __init__(self, interval_s: float = 60.0) -> None:
        self.interval_s = interval_s
        self.epoch = self.epochs = self.total = self.done = 0
        self.started = self.last_line = 0.0

    def start_epoch(self, epoch: int, epochs: int, n_images: int) -> None:
        self.epoch, self.epochs, self.total, self.done = epoch, epochs, n_images, 0
        self.started = self.last_line = time.perf_counter()

    def advance(self, n_images: int, loss: Callable[[], float]) -> None:
        self.done += n_images
        now = time.perf_counter()
        if now - self.last_line >= self.interval_s:
            self.last_line = now
            rate = self.done / max(now - self.started, 1e-9)
            log.info(
                "epoch %d/%d: %d/%d images, %.0f images/s, loss %.4f",
                self.epoch, self.epochs, self.done, self.total, rate, loss(),
            )  # fmt: skip

    def end_epoch(self, summary: str) -> None:
        log.info("epoch %d/%d done: %s", self.epoch, self.epochs, summary)


def make_progress(mode: str = "auto") -> Progress:
    """The reporter for ``mode`` (one of :data:`MODES`)."""
    if mode not in MODES:
        raise ValueError(f"unknown progress mode {mode!r}; valid: {', '.join(MODES)}")
    if mode == "auto":
        mode = "bar" if sys.stderr.isatty() and "SLURM_JOB_ID" not in os.environ else "log"
    return {"bar": BarProgress, "log": LogProgress, "off": Progress}[mode]()
