"""Jobs that ran on partial inputs (the report) and are due again now that more have finished.

A stage with ``partial_inputs`` (grid/stages/registry.py) runs once every input has ended,
done or failed, and its done marker lists the inputs that were not done
(``missing_inputs``, grid/runner.py). A launch runs it again as soon as one of those is done,
or is about to run in the same launch (a failed job being rerun): its record then says which
inputs are still missing, and the report shows what finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from grid.plan import Plan
from grid.store.folder import JobFolder
from grid.store.state import DONE


def partial_reruns(
    the_plan: Plan, states: Mapping[str, str], root: Path, todo: set[str]
) -> dict[str, str]:
    """Signature -> reason, for each done job of ``the_plan`` whose recorded missing inputs
    include one that is done now or in ``todo`` (to run in this launch)."""
    due = {}
    for job in the_plan.jobs:
        if states.get(job.signature) != DONE:
            continue
        missing = (JobFolder.of(root, job).done_record() or {}).get("missing_inputs")
        if not missing:
            continue
        finished = [s for s in missing if states.get(s) == DONE]
        coming = [s for s in missing if s in todo]
        if finished or coming:
            parts = [f"{len(finished)} done since"] if finished else []
            parts += [f"{len(coming)} to run now"] if coming else []
            due[job.signature] = (
                f"ran on partial inputs: {len(missing)} were missing, {', '.join(parts)}"
            )
    return due
