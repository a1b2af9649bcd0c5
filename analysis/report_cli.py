"""The sweep report: ``python -m analysis.report results/<sweep> [--out DIR]``.

The command line's arguments and its ``--help`` (whose end lists the sweeps, grid/help.py, and
where their settings are explained); :func:`analysis.report.main` parses them with
:func:`parser` and writes the report.
"""

from __future__ import annotations

import argparse

from grid.help import sweep_lines

# The end of --help: where a sweep's settings are explained (grid/help.py).
REPORT_SETTINGS = (
    "A sweep's settings (e.g. train.epochs, the training epochs) are listed with their defaults\n"
    "by python -m grid.launch --help; the report's settings.json holds those it ran with."
)


def parser() -> argparse.ArgumentParser:
    """The parser of ``python -m analysis.report``: ``results_dir`` and ``--out``."""
    made = argparse.ArgumentParser(
        prog="python -m analysis.report",
        description=__doc__.splitlines()[0],
        epilog="\n".join(["sweeps (results/<sweep> of python -m grid.launch sweep=NAME):",
                           *sweep_lines(), "", REPORT_SETTINGS]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    made.add_argument("results_dir", help="results/<sweep>")
    made.add_argument("--out", default=None, help="report folder (default results/<sweep>/report)")
    return made
