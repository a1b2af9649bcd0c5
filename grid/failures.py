"""Root causes among a sweep's failed jobs: which failures stopped the others.

When a job fails, the jobs reading it fail too without running: the local executor marks
them ``MissingInputError: input <sig> failed; not run``, and on Slurm (or the fake executor)
each one starts, finds an input not done and raises ``MissingInputError: input <stage> <sig>
(<label>) is not done``. A single killed training thus leaves a failed evaluation, Fourier
job, selection, report … behind it. Status and the launcher's end-of-run report show one
block per root cause, with a count of the jobs it kept from running.

The rule: a failed job is **blocked** when its recorded error is a ``MissingInputError`` *and*
at least one of its inputs failed too; it counts under the root cause of its first failed
input (in :attr:`grid.job.Job.dependencies` order, the input the local executor names), so a
job blocked by a blocked job counts under the failure that started the chain. Every other
failed job is a **root cause**: one whose own stage raised is one even when an input also
failed (a report, which runs on partial inputs), and so is a ``MissingInputError`` whose
inputs did not fail (one was cancelled, deleted, or has been rerun since).

Torch-free (tests/test_layering.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from grid.plan import Plan
from grid.stages.registry import STAGE_ORDER

MISSING_INPUT = "MissingInputError"  # grid.runner.MissingInputError, as its errors begin


def is_blocked(error: str, failed_inputs: list[str]) -> bool:
    """Whether a failed job with one-line ``error`` and these failed inputs was stopped by
    them rather than by its own stage (see the module docstring)."""
    return error.startswith(MISSING_INPUT) and bool(failed_inputs)


def root_causes(the_plan: Plan, errors: Mapping[str, str]) -> dict[str, str]:
    """Failed job -> the root cause it counts under (itself for a root cause).

    ``errors``: signature -> one-line error (``"Type: message"``) of every failed job of
    ``the_plan``; other signatures are ignored.
    """
    root_of: dict[str, str] = {}
    for job in the_plan.jobs:  # upstream first: an input's root is known before its readers'
        sig = job.signature
        if sig not in errors:
            continue
        failed_inputs = [d for d in job.dependencies if d in root_of]
        blocked = is_blocked(errors[sig], failed_inputs)
        root_of[sig] = root_of[failed_inputs[0]] if blocked else sig
    return root_of


def blocked_by(the_plan: Plan, errors: Mapping[str, str]) -> dict[str, list[str]]:
    """Root cause -> the failed jobs it kept from running, directly or through other blocked
    jobs, in plan order; every root cause is a key (in plan order), with [] when it blocked
    none. ``errors`` as in :func:`root_causes`."""
    groups: dict[str, list[str]] = {}
    for sig, root in root_causes(the_plan, errors).items():
        if sig == root:
            groups[sig] = []
        else:
            groups[root].append(sig)
    return groups


def not_run_line(the_plan: Plan, root: str, blocked: list[str]) -> str:
    """``6 not run: they read d3307e0a6b11, which failed (evaluate 3, fourier 2, report 1)``:
    the jobs ``root`` blocked (transitively, so "read" includes reading a blocked job), with
    their count per stage."""
    jobs = the_plan.by_signature
    per_stage = Counter(jobs[sig].stage for sig in blocked)
    order = sorted(per_stage, key=lambda s: STAGE_ORDER.index(s) if s in STAGE_ORDER else 99)
    stages = ", ".join(f"{stage} {per_stage[stage]}" for stage in order)
    they = "it reads" if len(blocked) == 1 else "they read"
    return f"{len(blocked)} not run: {they} {root}, which failed ({stages})"
