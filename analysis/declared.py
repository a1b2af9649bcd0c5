"""The declarations of the stages that read analysis, ``select`` and ``report``
(:func:`grid.stages.registry.declare`): resource class, partial inputs and disk estimate,
without analysis.report's plotting stack (seaborn, matplotlib, scipy).

Imported as a default declaration plugin (:data:`grid.plugins.DEFAULT_DECLARATIONS`) by every
plan, so the launcher, its dry run and its disk check know these stages; their functions are
registered by analysis/stages.py, imported where jobs run, which checks them against these.
"""

from __future__ import annotations

from grid.disk import ROWS_FILE
from grid.stages.registry import declare

# Bytes of a report folder, results/<sweep>/report/ (figures, tables, CSVs, index.md and
# index.html), measured: 1.2 MB for demo_cifar cut to one learned codec, 2.0 MB for
# demo_cifar, 3.3 MB for demo; it grows with the sweep's cells.
REPORT_BYTES = 2_000_000


def select_disk(config: dict) -> int:
    """Bytes one select job writes: its selection rows, one small Parquet file."""
    return ROWS_FILE


def report_disk(config: dict) -> int:
    """Bytes one report job writes: the report folder (:data:`REPORT_BYTES`, measured)."""
    return REPORT_BYTES


declare("select", resources="cpu", disk=select_disk)
declare("report", resources="cpu", partial_inputs=True, disk=report_disk)
