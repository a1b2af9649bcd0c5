"""``python -m grid.launch sweep=NAME [key=value ...]``: plan, skip what is done, submit the rest.

Everything is validated before anything is submitted; a bad value prints one line naming it
and the valid choices, and exits with status 2. ``dry_run=true`` prints the plan only (with
``executor=slurm``, also each array and its ``sbatch`` script: grid/dry_run.py; the data
folders are not checked); ``show=config`` prints every resolved setting and where it came from
(grid/show_config.py); ``--help`` lists sweeps, executors, profiles and keys (grid/help.py). A
profile's ``max_submit_jobs`` makes a Slurm launch submit the first wave that fits the queue
and exit (relaunch for the next), or, with ``follow=true``, wait for room and submit every wave
(grid/executors/waves.py).

Slurm submission (grid/executors/slurm.py) records each array's intent before its ``sbatch``
(grid/store/intents.py); a launch first reconciles the intents an earlier launcher left
without an answer, with one ``squeue``. Exit statuses: 0 submitted (or ran) everything; 1 a
blocking run had failed or cancelled jobs; 2 a bad setting, a disk estimate above the space
left with ``disk_check=strict`` (grid/disk.py; nothing written), or jobs **uncertain** (squeue
did not answer whether an earlier, interrupted ``sbatch`` queued them: relaunch where squeue
works, or with ``resolve=resubmit`` once ``squeue --me`` shows no comment ``lcc:<token>``);
3 sbatch refused an array (one line: sbatch's message, what stays queued, what was not
submitted, how to go on; the traceback is in ``results/_logs/<sweep>/launch.log``); 130 a
SIGINT, SIGTERM or SIGHUP stopped the submission after the ``sbatch`` in flight answered (a
second one exits at once); 4 the launcher's own write (plan, markers, code snapshot, intents)
failed for lack of space or quota (one line naming the file and the space left). Relaunching
with the same arguments submits what is missing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from grid import dry_run
from grid.cancel import main as cancel_main
from grid.cli import SettingsError, flag, split_sweep, take
from grid.code import current, snapshot, snapshot_dir
from grid.disk import check_space
from grid.executors import executor_class
from grid.executors.base import Executor, Launch, Outcome
from grid.executors.slurm_arrays import slurm_arrays
from grid.executors.stopped import SubmissionStopped
from grid.failures import blocked_by, not_run_line
from grid.help import print_help, wants_help
from grid.job import Job
from grid.partial import partial_reruns
from grid.plan import Group, Plan, launches_path, plan_path, results_root
from grid.planner import plan
from grid.profiles import Profile, load_profile
from grid.show_config import show
from grid.stages.registry import declaration
from grid.status import classify, gate_lines, stages_of, unknown_lines
from grid.store.files import atomic_write_bytes, is_no_space, no_space_error
from grid.store.folder import JobFolder
from grid.store.intents import settle, uncertain_line
from grid.store.lock import launch_lock
from grid.store.rows import is_published, publish, supersede, superseded_note
from grid.store.scheduler import Scheduler
from grid.store.state import CANCELLED, DONE, FAILED, NEW, PENDING, RUNNING, now_iso
from grid.validate import check_disk, check_slurm
from grid.why import print_reasons, print_stale

log = logging.getLogger("grid")


def choose_executor(name: str) -> tuple[str, str]:
    """The executor to use and why."""
    if name != "auto":
        return name, "as requested"
    if shutil.which("sbatch"):
        return "slurm", "sbatch is on PATH"
    return "local", "no sbatch on PATH"


def unavailable(the_plan: Plan) -> set[str]:
    """Signatures of jobs whose stage, or an upstream job's stage, is not installed (has no
    declaration, :func:`grid.stages.registry.declaration`)."""
    out: set[str] = set()
    for job in the_plan.jobs:
        if declaration(job.stage) is None or any(d in out for d in job.dependencies):
            out.add(job.signature)
    return out


def summary(the_plan: Plan, states: dict[str, str], todo: set[str], skipped: set[str]) -> str:
    """The one-screen table: stage -> to run / already done / in progress / not available."""
    rows = Counter()
    for job in the_plan.jobs:
        sig = job.signature
        kind = "n/a" if sig in skipped else "run" if sig in todo else states[sig]
        rows[(job.stage, kind)] += 1
    stages = stages_of(the_plan)
    lines = [f"{'stage':<18}{'to run':>8}{'done':>8}{'queued':>8}{'n/a':>6}"]
    for stage in stages:
        queued = rows[(stage, "pending")] + rows[(stage, "running")]
        lines.append(
            f"{stage:<18}{rows[(stage, 'run')]:>8}{rows[(stage, DONE)]:>8}{queued:>8}"
            f"{rows[(stage, 'n/a')]:>6}"
        )
    return "\n".join(lines)


def make_executor(name: str, the_plan: Plan, root: Path, states: dict[str, str]) -> Executor:
    """The executor ``name``; a Slurm one learns the ids of jobs still queued or running,
    which new jobs reading them must wait for (finished jobs need no dependency); a local one
    learns the jobs another live launcher holds (pending or running), which it waits for
    and takes over if that launcher dies (grid/executors/claims.py). Only the module of
    executor ``name`` is imported (:func:`grid.executors.executor_class`)."""
    cls = executor_class(name)
    if name == "fake":
        return cls()
    if name == "local":
        skipped = unavailable(the_plan)
        held = [j for j in the_plan.jobs if states[j.signature] in (PENDING, RUNNING)]
        return cls([j for j in held if j.signature not in skipped])
    settings = the_plan.run_settings
    return cls(queued_ids(the_plan, root, states), settings["follow"], settings["poll_s"])


def queued_ids(the_plan: Plan, root: Path, states: dict[str, str]) -> dict[str, str]:
    """Signature -> Slurm id (``123_4``) of the plan's jobs still queued or running, which
    new jobs reading them must wait for."""
    queued = {}
    for job in the_plan.jobs:
        if states[job.signature] not in (PENDING, RUNNING):
            continue
        slurm_id = JobFolder.of(root, job).scheduler_id()
        if slurm_id:
            queued[job.signature] = slurm_id
    return queued


def launch(argv: Sequence[str]) -> Outcome | None:
    """Plan, print the summary, and submit (unless dry_run). Returns the executor's outcome.

    Scanning job states and submitting happen under one lock, so two launchers started
    together never submit the same job: the second sees the first's ``submitted`` markers.
    A blocking executor (local, fake) claims its jobs under the lock and runs them after it.
    """
    sweep, overrides = split_sweep(argv)
    what, overrides = take(overrides, "show")
    if what is not None:  # the resolved settings and their sources, nothing planned
        show(what, sweep, overrides)
        return None
    resolve, overrides = take(overrides, "resolve")
    if resolve not in (None, RESUBMIT):
        raise SettingsError(f"resolve={resolve!r} is not known; valid values: {RESUBMIT}")
    the_plan = plan(sweep, overrides)
    settings = the_plan.run_settings
    profile = load_profile(settings["cluster"])
    profile.pack_sizes(settings["pack"])  # a bad pack.<stage> is an error before any submission
    executor_name, why = choose_executor(settings["executor"])
    check_slurm(executor_name, settings["dry_run"])
    root = results_root(settings)
    unchecked: dict[str, str] = {}
    for part_settings in the_plan.settings.values():
        unchecked.update(check_disk(part_settings, root, settings["dry_run"]))
    print(f"sweep {sweep}: {len(the_plan.jobs)} jobs, results in {root / sweep}")
    print(f"executor: {executor_name} ({why}); cluster profile: {profile.name}")
    print(f"code: {current().short()}")
    if unchecked:
        print(f"data folders not checked: {', '.join(f'{k}={v}' for k, v in unchecked.items())}")
    with launch_lock(root):
        _settle_intents(the_plan, root, sweep, resolve)
        scheduler = Scheduler(root, default_poll_s=profile.poll_interval_s)
        states = classify(the_plan, root, scheduler)
        for line in unknown_lines(states, scheduler):  # neither rerun nor counted done
            print(f"{line}: not submitted, not counted done; relaunch once squeue answers")
        groups = _plan_to_run(the_plan, states, root, sweep, settings["dry_run"])
        if settings["dry_run"]:
            if executor_name == "slurm":
                _show_arrays(the_plan, states, groups, profile, root)
            print("dry run: nothing submitted")
            return None
        code_dir = snapshot(root)  # after the disk check: a stopped launch writes nothing
        print(f"code snapshot: {code_dir}")
        launch_info = Launch(sweep, root, settings, profile, the_plan.by_signature, code_dir)
        _record_launch(root, sweep, argv)
        print(f"logs: {launch_info.log_dir}")
        if not groups:
            print("nothing to run: every available job is done or queued")
            return Outcome()
        executor = make_executor(executor_name, the_plan, root, states)
        if executor.blocking:
            _mark_submitted(groups, root, executor_name)
        else:
            outcome = executor.submit(groups, launch_info)
    if executor.blocking:
        outcome = executor.submit(groups, launch_info)
    _report(outcome, executor, the_plan, root, sweep)
    return outcome


NO_SPACE_EXIT = 4  # the launcher's own write failed for lack of space or quota
RESUBMIT = "resubmit"  # resolve=resubmit: uncertain intents are void, their jobs resubmitted


def _settle_intents(the_plan: Plan, root: Path, sweep: str, resolve: str | None) -> None:
    """Reconcile the array intents left without an answer (:func:`grid.store.intents.settle`;
    call under the launch lock); stop with one line (:class:`SettingsError`) when some of this
    plan's jobs are uncertain, unless ``resolve=resubmit`` voids those intents."""
    settled = settle(root)
    for line in settled.lines():
        print(line)
    ours = set(the_plan.by_signature)
    uncertain = [i for i in settled.uncertain if i.signatures & ours]
    if uncertain and resolve != RESUBMIT:
        raise SettingsError(uncertain_line(uncertain, sweep))
    for intent in uncertain:
        intent.void("resolve=resubmit")
        print(f"void {intent.describe()}: resolve=resubmit; they are submitted again")


def _plan_to_run(
    the_plan: Plan, states: dict[str, str], root: Path, sweep: str, dry_run: bool
) -> list[Group] | None:
    """Print the summary and return the groups to run (on a dry run, with nothing written)."""
    skipped = unavailable(the_plan)
    todo = {s for s, st in states.items() if st in (NEW, FAILED, CANCELLED) and s not in skipped}
    partial = partial_reruns(the_plan, states, root, todo)
    todo |= partial.keys()
    print(summary(the_plan, states, todo, skipped))
    print_reasons(the_plan, states, root, todo, given=partial)
    print_stale(the_plan, root)
    missing = sorted({j.stage for j in the_plan.jobs if declaration(j.stage) is None})
    if missing:
        print(f"stages not available yet (skipped with their dependents): {', '.join(missing)}")
    check_space(the_plan, todo, root, dry_run)  # disk_check=strict stops here, nothing written
    if dry_run:
        leaving = supersede(root, sweep, set(the_plan.by_signature), dry_run=True)
        if leaving:
            print(f"{len(leaving)} jobs of earlier launches would leave the sweep's view")
        return _groups_to_run(the_plan, todo)
    for sig, reason in partial.items():
        JobFolder.of(root, the_plan.by_signature[sig]).reopen(reason)
    _publish_done(the_plan, states, root, sweep)
    atomic_write_bytes(plan_path(root, sweep), the_plan.to_json().encode())
    moved = supersede(root, sweep, set(the_plan.by_signature))
    if moved:
        print(
            f"{len(moved)} jobs of earlier launches left the plan: {superseded_note(root, sweep)}"
        )
    return _groups_to_run(the_plan, todo)


def _show_arrays(
    the_plan: Plan, states: dict[str, str], groups: list[Group], profile: Profile, root: Path
) -> None:
    """The dry run of a Slurm launch: its arrays and their scripts (grid/dry_run.py), planned
    as the Slurm executor plans them, without importing it (it imports the stage functions)."""
    settings = the_plan.run_settings
    code_dir = snapshot_dir(root, current())  # where the launch would snapshot the code
    info = Launch(the_plan.sweep, root, settings, profile, the_plan.by_signature, code_dir)
    dry_run.show(slurm_arrays(groups, info, queued_ids(the_plan, root, states)), info)


def _record_launch(root: Path, sweep: str, argv: Sequence[str]) -> None:
    """One line per launch in ``results/<sweep>/launches.jsonl``: when, who, which code."""
    record = {
        "time": now_iso(),
        "host": os.uname().nodename,
        "pid": os.getpid(),
        "argv": list(argv),
        "code": asdict(current()),
    }
    with open(launches_path(root, sweep), "a") as log:
        log.write(json.dumps(record, sort_keys=True) + "\n")


def _groups_to_run(the_plan: Plan, todo: set[str]) -> list[Group]:
    groups = []
    for group in the_plan.groups():
        jobs = tuple(j for j in group.jobs if j.signature in todo)
        if jobs:
            groups.append(Group(group.stage, group.round, jobs))
    return groups


def _publish_done(the_plan: Plan, states: dict[str, str], root: Path, sweep: str) -> None:
    """Jobs done by another sweep appear in this sweep's tables too."""
    for job in the_plan.jobs:
        folder = JobFolder.of(root, job)
        if states[job.signature] == DONE and not is_published(folder, sweep):
            publish(folder, sweep)


def _mark_submitted(groups: list[Group], root: Path, executor: str) -> None:
    """Claim the jobs this process will run, so a concurrent launcher skips them."""
    marker = {"executor": executor, "host": os.uname().nodename, "pid": os.getpid()}
    for group in groups:
        for job in group.jobs:
            JobFolder.of(root, job).mark_submitted(**marker)


def _report(outcome: Outcome, executor: Executor, the_plan: Plan, root: Path, sweep: str) -> None:
    arrays = ", ".join(f"{stage} {n}" for stage, n in outcome.submissions.items())
    print(f"submissions per stage: {arrays}")
    if not executor.blocking:
        print(f"queued; follow with: python -m grid.status sweep={sweep} results={root}")
        if getattr(executor, "waves_left", 0):  # the Slurm executor's waves not submitted
            print(
                f"{executor.waves_left} more waves to submit (max_submit_jobs): relaunch with "
                "the same arguments when the queue has room (e.g. from cron), or with "
                "follow=true to wait and submit them"
            )
        return
    for sig, blocked in blocked_by(the_plan, outcome.failed).items():  # root causes only
        job = the_plan.by_signature[sig]
        print(f"FAILED {job.stage} {sig} ({job.label}): {outcome.failed[sig]}{_gave_up(root, job)}")
        if blocked:
            print(f"    {not_run_line(the_plan, sig, blocked)}")
    full = [sig for sig, error in outcome.failed.items() if is_no_space(error)]
    if full:
        print(f"{len(full)} failed for lack of space (each FAILED line names the file and the "
              "space left); free some and relaunch: it reruns what is unfinished")  # fmt: skip
    if outcome.cancelled:
        print(f"cancelled {len(outcome.cancelled)} jobs (grid.cancel); a relaunch resumes them")
    for line in gate_lines(the_plan, root, classify(the_plan, root)):
        print(line)
    report = root / sweep / "report"
    if (report / "index.md").exists():
        print(f"report: {report / 'index.md'}")
        print(f"        {report / 'index.html'} (open in a browser)")


def _gave_up(root: Path, job: Job) -> str:
    """`` (gave up after k failed attempts)`` when the job failed more than once (retries,
    earlier launches); every attempt's error and log are in its folder's attempts.jsonl."""
    attempts = len(JobFolder.of(root, job).failures())
    return f" (gave up after {attempts} failed attempts)" if attempts > 1 else ""


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if wants_help(argv):
            return print_help("grid.launch", __doc__, argv)
        cancel, rest = flag(argv, "cancel")
        if cancel:  # `cancel=true` is `python -m grid.cancel` with the other arguments
            return cancel_main(rest)
        outcome = launch(argv)
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except SubmissionStopped as err:  # sbatch refused an array, or a signal stopped the loop
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except OSError as err:  # the launcher's own writes: plan, markers, snapshot, intents
        short = no_space_error(err)
        if short is err:
            raise
        print(
            f"error: the launcher could not write ({short}); what it queued or ran is kept: "
            "free some space and relaunch",
            file=sys.stderr,
        )
        return NO_SPACE_EXIT
    return 1 if outcome is not None and (outcome.failed or outcome.cancelled) else 0


if __name__ == "__main__":
    sys.exit(main())
