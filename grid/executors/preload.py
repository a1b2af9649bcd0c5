"""The last module the local executor's job server imports (grid/executors/worker.py): what
the server does once the stages are loaded, so that every job forked from it inherits it.

- It fills the per-process caches that every job reads, which each job would otherwise fill
  again (about 0.1 s a job, mostly reading the files of its stage's code): the code record
  and each registered stage's file hashes (grid/code.py), the package versions
  (grid.store.provenance). The server runs the code it imported, so what it records is what
  its jobs run. A cache left empty costs only time: a failure is logged to the server's
  output, not raised.
- multiprocessing runs the launcher's main module again in each child (as ``__mp_main__``);
  the server preloads it, so runpy would warn in every job that it is imported already:
  expected here, and silenced.
"""

from __future__ import annotations

import logging
import warnings

from grid import code
from grid.stages.registry import STAGES
from grid.store.provenance import package_versions


def warm_up() -> None:
    """Fill the caches (see the module docstring)."""
    package_versions()
    code.current()
    for module in sorted({stage.fn.__module__ for stage in STAGES.values()}):
        code.stage_files(module)


warnings.filterwarnings(
    "ignore", message=r".* found in sys\.modules after import of package", category=RuntimeWarning
)
try:
    warm_up()
except Exception:  # see the module docstring
    logging.getLogger("grid").exception("job server: caches not warmed")
