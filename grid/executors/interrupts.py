"""Signals during a submission loop: the first asks it to stop, a second ends the process.

:class:`Interrupts` installs handlers for SIGINT, SIGTERM and SIGHUP only while the loop runs
(and only in the main thread, where Python runs handlers). The first signal is recorded and
the loop stops before its next ``sbatch`` (grid/executors/slurm.py); a second exits at once
with :data:`EXIT_INTERRUPTED`, leaving the array in flight to its intent record
(grid/store/intents.py).

:func:`shielded` runs a call in a thread that blocks those signals: the ``sbatch`` it starts
inherits the blocked mask, so a Ctrl-C, which the terminal sends to the whole process group,
does not stop an ``sbatch`` that keeps that mask. A program that unblocks signals (a shell
script does) may still die of it; the executor then asks squeue about that array at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
EXIT_INTERRUPTED = 130  # the launcher's exit status after a signal stopped its submission
JOIN_S = 0.1  # how often the waiting main thread lets its signal handlers run

T = TypeVar("T")


class Interrupts:
    """``with Interrupts() as caught:`` ``caught.signal`` is the name of the first signal
    received in the block (None until one is); a second one exits the process (130)."""

    def __init__(self) -> None:
        self.signal: str | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.signal is not None:
            os.write(
                2,
                f"{name} again: exiting at once; the array in flight is in its intent "
                "record, which the next launch or grid.status reconciles\n".encode(),
            )
            os._exit(EXIT_INTERRUPTED)
        self.signal = name
        os.write(2, f"{name}: stopping after the sbatch in flight (again: exit at once)\n".encode())


def shielded(call: Callable[[], T]) -> T:
    """``call()`` in a thread that blocks :data:`SIGNALS` (and so do the processes it
    starts); this thread waits in short joins so its handlers run meanwhile. The call's
    exception, if any, is raised here."""
    box: dict[str, Any] = {}

    def target() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            box["value"] = call()
        except BaseException as err:  # handed to the waiting thread
            box["error"] = err

    worker = threading.Thread(target=target, name="sbatch", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(JOIN_S)
    if "error" in box:
        raise box["error"]
    return box["value"]
