"""The executors by name (the launch setting ``executor``, grid/validate.py), each imported
only when a launch uses it.

The executors that run jobs import every stage's function, and with them torch and
compressai: ``fake`` runs them in the launcher's process, ``local``'s workers and ``slurm``'s
pickled :class:`grid.runner.JobRunner` in others, and each module imports grid.runner. A
launch that runs none (a dry run, a relaunch with nothing to do) or another executor has no
need of them, so :func:`executor_class` maps a name to its module and imports that one on
demand, as CompressAI's registries map a model's name to its class. What the launcher needs
without running a job is apart, and light: grid/executors/base.py (the interface),
slurm_arrays.py (a Slurm launch's arrays, for the dry run), stopped.py (how a submission stops).
"""

from __future__ import annotations

import importlib

from grid.executors.base import Executor

# Executor name -> "module:class" of its implementation.
EXECUTORS: dict[str, str] = {
    "fake": "grid.executors.fake:FakeExecutor",
    "local": "grid.executors.local:LocalExecutor",
    "slurm": "grid.executors.slurm:SlurmExecutor",
}


def executor_class(name: str) -> type[Executor]:
    """The executor class called ``name``, its module imported now; a one-line KeyError
    listing the valid names otherwise."""
    if name not in EXECUTORS:
        raise KeyError(f"executor {name!r} is not known; valid executors: {', '.join(EXECUTORS)}")
    module, cls = EXECUTORS[name].split(":")
    return getattr(importlib.import_module(module), cls)
