"""``python -m grid.status sweep=NAME [results=DIR] [key=value ...]``: stage × state counts,
failures by root cause, the codec gate, and why a relaunch would run what it would run.

With only ``sweep=`` (and ``results=``) it shows the plan the sweep was last launched with
(``results/<sweep>/plan.json``); other overrides re-plan from the sweep file, as a launch
with them would. Reads the job folders' markers, and when a marker names a Slurm job one
``squeue`` (and one ``sacct`` for the jobs it no longer lists, to tell why they failed:
grid/store/failure_classes.py), cached for the poll interval (grid/store/scheduler.py). A
job whose Slurm job squeue could not tell about is ``unknown``, with squeue's error. The
default path imports no torch, compressai or submitit
(tests/test_layering.py); re-planning does, through :func:`grid.plan`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import grid
from grid.cli import DEFAULT_RESULTS, SettingsError, split_sweep, take
from grid.failures import blocked_by, not_run_line
from grid.help import print_help, wants_help
from grid.partial import partial_reruns
from grid.plan import Plan, plan_path, read_launched, results_root
from grid.profiles import load_profile
from grid.stages.registry import STAGE_ORDER
from grid.store.failure_classes import EXCEPTION, VANISHED, of_failure, record_ended
from grid.store.folder import JobFolder
from grid.store.intents import open_intents, settle
from grid.store.lock import launch_lock_if_free
from grid.store.rows import superseded_note, superseded_signatures
from grid.store.scheduler import DEFAULT_POLL_S, Scheduler
from grid.store.state import CANCELLED, DONE, FAILED, NEW, PENDING, RUNNING, UNKNOWN
from grid.usage import print_usage
from grid.why import RERUN_STATES, print_reasons, print_stale
from lcc.specs.gate import describe

COLUMNS = (DONE, RUNNING, FAILED, PENDING, CANCELLED, UNKNOWN)
GATE_TABLE = "codec_gate"  # the check-codec stage's table (grid/store/schemas.py)


def scheduler_for(the_plan: Plan, root: Path) -> Scheduler:
    """A scheduler for one command on ``the_plan``: it shares ``root``'s cache of answers
    for the plan's cluster profile's ``poll_interval_s`` (``$LCC_SCHEDULER_POLL_S`` beats
    it; a plan with no settings or a profile no longer found: 60 s)."""
    name = next(iter(the_plan.settings.values()), {}).get("cluster")
    try:
        default = load_profile(name).poll_interval_s if name else DEFAULT_POLL_S
    except SettingsError:
        default = DEFAULT_POLL_S
    return Scheduler(root, default_poll_s=default)


def classify(the_plan: Plan, root: Path, scheduler: Scheduler | None = None) -> dict[str, str]:
    """State of every job (done / pending / running / failed / cancelled / new / unknown),
    asking ``scheduler`` (default: a new one sharing ``root``'s cache) at most one squeue and
    one sacct; jobs Slurm ended without an error of their own get their failure class
    recorded (:func:`grid.store.failure_classes.record_ended`)."""
    scheduler = scheduler_for(the_plan, root) if scheduler is None else scheduler
    folders = {j.signature: JobFolder.of(root, j) for j in the_plan.jobs}
    states = {sig: folder.state(scheduler) for sig, folder in folders.items()}
    return record_ended(folders, states, scheduler)


def unknown_lines(states: dict[str, str], scheduler: Scheduler) -> list[str]:
    """One line when some jobs are unknown: how many, and squeue's error."""
    count = sum(state == UNKNOWN for state in states.values())
    return [f"{count} jobs {scheduler.unknown_line()}"] if count else []


def failure_line(folder: JobFolder, error: str) -> str:
    """``<class>: <explanation>`` of a failed job (grid/store/failure_classes.py); ``error``:
    the error line of the stage's own log, for a job whose stage raised."""
    record = folder.last_failure()
    if record is None:  # its attempt is gone and nothing said why (sacct did not answer)
        return f"{VANISHED}: {error}"
    cls, line = of_failure(record)
    return f"{EXCEPTION}: {error}" if cls == EXCEPTION else line


def reconcile_intents(the_plan: Plan, root: Path) -> list[str]:
    """Settle the array intents that launchers left without an answer
    (:func:`grid.store.intents.settle`, one ``squeue``) unless a launcher is submitting now
    (it holds the launch lock), and return the lines to print: intents adopted or void, and
    one ``uncertain`` line per intent holding jobs of ``the_plan`` that squeue could not
    confirm (those jobs read as new, yet Slurm may hold them)."""
    if not open_intents(root):
        return []
    with launch_lock_if_free(root) as free:
        if not free:
            return ["a launcher is submitting now: its newest arrays show once it is done"]
        settled = settle(root)
    ours = set(the_plan.by_signature)
    return settled.lines() + [
        f"uncertain: {intent.describe()}: squeue did not answer whether Slurm queued them; "
        f"a launch stops on them until it does, or relaunch with resolve=resubmit"
        for intent in settled.uncertain
        if intent.signatures & ours
    ]


def launched_plan(argv: Sequence[str]) -> tuple[Plan, Path]:
    """The plan that ``argv`` (``sweep=NAME [results=DIR] [key=value ...]``) names, and its
    results root: the last launched one (``plan.json``) unless overrides ask to re-plan.

    Used by status and cancel. Raises :class:`SettingsError` for bad arguments.
    """
    sweep, overrides = split_sweep(argv)
    results, others = take(overrides, "results")
    if not others:
        root = Path(results or DEFAULT_RESULTS).resolve()
        try:
            launched = read_launched(root, sweep)
        except ValueError as err:  # signatures no longer match this suite's hashing
            print(f"{plan_path(root, sweep)} is stale ({err}); planning from the sweep file")
        else:
            if launched is not None:
                return launched, root
            print(
                f"no {plan_path(root, sweep)} (never launched there); planning from the sweep file"
            )
    the_plan = grid.plan(sweep, overrides)
    return the_plan, results_root(the_plan.run_settings)


def _last_error_line(log: str | None, fallback: str) -> str:
    """The last line of the job's log that looks like an error, else the recorded one."""
    if log:
        try:
            lines = Path(log).read_text(errors="replace").splitlines()
        except OSError:
            lines = []
        for line in reversed(lines):
            if "Error" in line or "Exception" in line:
                return line.strip()
    return fallback


def stages_of(the_plan: Plan) -> list[str]:
    """The plan's stages in DAG order (:data:`STAGE_ORDER`), then any others by name."""
    present = {job.stage for job in the_plan.jobs}
    return [s for s in STAGE_ORDER if s in present] + sorted(present - set(STAGE_ORDER))


def render(the_plan: Plan, states: dict[str, str], root: Path) -> str:
    """The status table (stages in DAG order), then one block per root-cause failure
    (:mod:`grid.failures`): its attempts, log path, failure class with its explanation
    (:func:`failure_line`), and a count of the failed jobs it kept from running."""
    counts = Counter((job.stage, states[job.signature]) for job in the_plan.jobs)
    stages = stages_of(the_plan)
    lines = [f"{'stage':<18}" + "".join(f"{c:>10}" for c in COLUMNS)]
    for stage in stages:
        cells = [counts[(stage, c)] for c in COLUMNS]
        cells[COLUMNS.index(PENDING)] += counts[(stage, NEW)]
        lines.append(f"{stage:<18}" + "".join(f"{n:>10}" for n in cells))
    jobs = the_plan.by_signature
    errors = {
        job.signature: JobFolder.of(root, job).error()
        for job in the_plan.jobs
        if states[job.signature] == FAILED
    }
    for sig, blocked in blocked_by(the_plan, errors).items():
        job = jobs[sig]
        folder = JobFolder.of(root, job)
        log = folder.log_path()
        error = _last_error_line(log, errors[sig] or "died without an error")
        attempts = len(folder.failures())
        tries = f", {attempts} failed attempts" if attempts > 1 else ""
        lines.append(f"FAILED {job.stage} {sig} ({job.label}){tries}")
        lines.append(f"    log: {log or 'none'}")
        lines.append(f"    {failure_line(folder, error)}")
        if blocked:
            lines.append(f"    {not_run_line(the_plan, sig, blocked)}")
    return "\n".join(lines)


def gate_lines(the_plan: Plan, root: Path, states: dict[str, str]) -> list[str]:
    """The gate section of a launch or status: a heading, then one
    :func:`lcc.specs.gate.describe` line per finished check-codec job of ``the_plan``."""
    lines = []
    for job in the_plan.jobs:
        if job.stage != "check-codec" or states.get(job.signature) != DONE:
            continue
        rows = JobFolder.of(root, job).read_rows(GATE_TABLE)
        if rows.empty:  # a stand-in stage (tests) that wrote no gate rows
            continue
        for _, row in rows[rows["role"] == "candidate"].iterrows():
            lines.append("  " + describe(row["codec"], row["level"], row.to_dict()))
    return ["codec quality gate (JPEG at the codec's coded rate):", *lines] if lines else []


def main(argv: Sequence[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        if wants_help(argv):
            return print_help("grid.status", __doc__, argv)
        the_plan, root = launched_plan(argv)
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    intent_lines = reconcile_intents(the_plan, root)
    scheduler = scheduler_for(the_plan, root)
    states = classify(the_plan, root, scheduler)
    print(f"sweep {the_plan.sweep}: {len(the_plan.jobs)} jobs, results in {root / the_plan.sweep}")
    print(render(the_plan, states, root))
    for line in unknown_lines(states, scheduler):
        print(line)
    for line in intent_lines:
        print(line)
    for line in gate_lines(the_plan, root, states):
        print(line)
    todo = {sig for sig, state in states.items() if state in RERUN_STATES}
    partial = partial_reruns(the_plan, states, root, todo)
    todo |= partial.keys()
    heading = f"a relaunch would run {len(todo)} jobs:"
    print_reasons(the_plan, states, root, todo, heading, given=partial)
    print_stale(the_plan, root)
    superseded = superseded_signatures(root, the_plan.sweep)
    if superseded:
        note = superseded_note(root, the_plan.sweep)
        print(f"{len(superseded)} jobs of earlier launches superseded; {note}")
    print_usage(the_plan.jobs, root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
