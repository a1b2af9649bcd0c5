"""Slurm through submitit: the whole DAG is queued at once as job arrays and the launcher exits.

:func:`plan_arrays` decides the arrays. Each (stage, round) group is split by the exact set
of upstream arrays its jobs read, so a job waits (``afterany``) only for the arrays holding
its own inputs: JPEG, noise, blur and original encodes, and the trainings on them, start at
once while the learned codecs are still being fitted. Each split is cut at the cluster's
MaxArraySize and throttled by the profile's array parallelism. With ``pack.<stage>=N`` (or
the profile's ``[pack]``) an array task runs up to N jobs of its split one after another
(:class:`grid.pack.PackedRunner`); jobs packed together therefore share their dependencies.
Jobs check their own inputs and fail with a clear error when one is missing, so a failure
never blocks its siblings.

Each array is queued behind a durable intent (grid/store/intents.py): the intent, then
``sbatch`` with ``--comment=lcc:<token>``, then the receipt (array id), then the jobs'
``submitted`` markers, so a launcher killed at any point leaves nothing a relaunch would queue
twice. A refused ``sbatch`` voids its intent and stops the loop with
:class:`SubmissionStopped` (exit :data:`EXIT_REFUSED`; the traceback goes to
``results/_logs/<sweep>/launch.log``); so does a signal, after the ``sbatch`` in flight
(grid/executors/interrupts.py).
"""

from __future__ import annotations

import contextlib
import io
import logging
import shlex
import subprocess
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import submitit
from submitit.core.utils import FailedJobError

from grid.executors.base import Executor, Launch, Outcome
from grid.executors.interrupts import EXIT_INTERRUPTED, Interrupts, shielded
from grid.job import Job
from grid.pack import PackedRunner
from grid.plan import Group
from grid.runner import JobRunner
from grid.stages.registry import get_stage
from grid.store.intents import OPEN, QUEUED, Intent, read_intents, settle
from grid.store.state import now_iso

log = logging.getLogger("grid")

SUBMITIT_TIMEOUTS = 3  # submitit's default number of timeout requeues of one task
EXIT_REFUSED = 3  # the launcher's exit status when sbatch refused an array
LAUNCH_LOG = "launch.log"  # in the launch's log folder: tracebacks kept off the terminal


def chunks(items: Sequence, size: int) -> list[tuple]:
    """``items`` cut into consecutive pieces of at most ``size``."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class ArrayPlan:
    """One ``sbatch`` call: array tasks of one stage, each running its jobs in order.

    It waits (``afterany``) for the arrays at indices ``after`` of the same plan and for the
    scheduler ids ``after_ids`` that an earlier launch queued.
    """

    stage: str
    tasks: tuple[tuple[Job, ...], ...]
    after: tuple[int, ...] = ()
    after_ids: tuple[str, ...] = ()

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(job for task in self.tasks for job in task)

    @property
    def packed(self) -> bool:
        return any(len(task) > 1 for task in self.tasks)


def plan_arrays(
    groups: Sequence[Group],
    pending_ids: Mapping[str, str],
    max_array_size: int,
    pack: Mapping[str, int],
    by_inputs: bool = True,
) -> list[ArrayPlan]:
    """The arrays to submit for ``groups``, upstream first (a pure function: no sbatch).

    ``pending_ids`` maps signatures of jobs still queued by an earlier launch to their
    scheduler id; inputs neither there nor in ``groups`` are done and add no dependency.
    ``pack`` gives jobs per array task by stage (missing: 1). ``by_inputs=False`` keeps one
    array per (stage, round) and chunk, waiting for every array the chunk reads: the
    grouping before issue 13, kept so ``benchmarks/bench_grid.py`` can compare the two.
    """
    array_of: dict[str, int | str] = dict(pending_ids)  # signature -> plan index or id
    out: list[ArrayPlan] = []
    for group in groups:
        splits: dict[tuple, list[Job]] = {}
        for job in group.jobs:
            key = _upstream(job, array_of) if by_inputs else ((), ())
            splits.setdefault(key, []).append(job)
        for jobs in splits.values():
            tasks = chunks(jobs, pack.get(group.stage, 1))
            for piece in chunks(tasks, max_array_size):
                after, after_ids = _upstream_of_all(piece, array_of)
                for task in piece:
                    for job in task:
                        array_of[job.signature] = len(out)
                out.append(ArrayPlan(group.stage, piece, after, after_ids))
    return out


def _upstream(job: Job, array_of: Mapping[str, int | str]) -> tuple[tuple, tuple]:
    """(plan indices, earlier scheduler ids) of the arrays holding ``job``'s queued inputs."""
    found = [array_of[sig] for sig in job.dependencies if sig in array_of]
    planned = sorted({a for a in found if isinstance(a, int)})
    queued = sorted({a for a in found if isinstance(a, str)}, key=_id_order)
    return tuple(planned), tuple(queued)


def _upstream_of_all(tasks, array_of) -> tuple[tuple[int, ...], tuple[str, ...]]:
    keys = [_upstream(job, array_of) for task in tasks for job in task]
    planned = sorted({a for key in keys for a in key[0]})
    queued = sorted({a for key in keys for a in key[1]}, key=_id_order)
    return tuple(planned), tuple(queued)


def _id_order(slurm_id: str) -> tuple[int, str]:
    return (int(slurm_id), "") if slurm_id.isdigit() else (0, slurm_id)


class SubmissionStopped(Exception):
    """The submission loop stopped before its last array. ``str()`` is the one line the
    launcher prints (what was queued, what was not, how to go on); ``code`` its exit status:
    :data:`EXIT_REFUSED` (sbatch refused an array) or
    :data:`grid.executors.interrupts.EXIT_INTERRUPTED` (a signal)."""

    def __init__(self, line: str, code: int) -> None:
        super().__init__(line)
        self.code = code

    @classmethod
    def refused(
        cls, message: str, arrays: Sequence[ArrayPlan], index: int, log_path: Path
    ) -> SubmissionStopped:
        """sbatch refused ``arrays[index]`` with ``message``; the arrays before it are queued."""
        array = arrays[index]
        line = (
            f"sbatch refused the {array.stage} array ({len(array.jobs)} jobs): {message}; "
            f"{_tally(arrays, index)}. Relaunch with the same arguments once the queue "
            "drains, or lower max_array_size in the cluster profile, or pack jobs with "
            f"pack.{array.stage}=N (traceback: {log_path})"
        )
        return cls(line, EXIT_REFUSED)

    @classmethod
    def interrupted(
        cls, name: str, arrays: Sequence[ArrayPlan], index: int, unknown: Intent | None = None
    ) -> SubmissionStopped:
        """Signal ``name`` arrived; the arrays before ``index`` are queued. ``unknown``: the
        intent of an array whose sbatch failed after the signal, if squeue could not confirm
        it either way (it stays open)."""
        line = f"{name}: {_tally(arrays, index)}"
        if unknown is not None and unknown.state == OPEN:
            line += (
                f"; whether Slurm queued the {unknown.record['stage']} array in flight is "
                f"unknown (array intent {unknown.token}): the next launch asks squeue"
            )
        line += "; relaunch with the same arguments to submit the rest"
        return cls(line, EXIT_INTERRUPTED)


def _tally(arrays: Sequence[ArrayPlan], index: int) -> str:
    """``queued 2 arrays (5 jobs), kept; not submitted: 20 jobs`` for a stop at ``index``."""
    queued = sum(len(a.jobs) for a in arrays[:index])
    rest = sum(len(a.jobs) for a in arrays[index:])
    return f"queued {index} arrays ({queued} jobs), kept; not submitted: {rest} jobs"


def _first_line(text: str) -> str:
    """The first non-empty line of ``text`` (sbatch's own message)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "no message")


def _log_failure(launch: Launch, array: ArrayPlan, err: BaseException, what: str) -> Path:
    """Append ``what``, sbatch's whole stderr and the traceback to the launch log."""
    path = launch.log_dir / LAUNCH_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    stderr = getattr(err.__cause__, "stderr", "") or ""
    with open(path, "a") as log_file:
        log_file.write(f"{now_iso()} {what}: the {array.stage} array\n{stderr}\n")
        log_file.write("".join(traceback.format_exception(err)))
    return path


def _ask_scheduler(root: Path, intent: Intent) -> int:
    """1 when squeue shows that Slurm holds ``intent``'s array (now adopted), else 0 (void,
    or still open when squeue does not answer). Called under the launch lock, where every
    open intent is this launcher's."""
    settle(root)
    reread = {i.token: i for i in read_intents(root)}.get(intent.token)
    if reread is not None:
        intent.record = reread.record
    return 1 if intent.state == QUEUED else 0


class SlurmExecutor(Executor):
    """Submits arrays with ``sbatch``; never waits on submitit's view of job state."""

    name = "slurm"
    blocking = False

    def __init__(self, pending_ids: dict[str, str] | None = None) -> None:
        # Scheduler ids of jobs queued by an earlier launch that this launch's jobs may need.
        self.pending_ids = dict(pending_ids or {})

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        """Submit the arrays in order, each behind its durable intent
        (:class:`grid.store.intents.Intent`): intent, ``sbatch``, receipt, then the jobs'
        ``submitted`` markers. Raises :class:`SubmissionStopped` when sbatch refuses an
        array or a signal arrives (see :mod:`grid.executors.interrupts`); what was queued
        before stays queued and recorded."""
        profile = launch.profile
        pack = profile.pack_sizes(launch.settings.get("pack"))
        arrays = plan_arrays(groups, self.pending_ids, profile.max_array_size, pack)
        outcome = Outcome()
        submitted: list[str] = []  # scheduler id of each array of `arrays`
        with Interrupts() as interrupts:
            for index, array in enumerate(arrays):
                if interrupts.signal:
                    raise SubmissionStopped.interrupted(interrupts.signal, arrays, index)
                after = [submitted[i] for i in array.after] + list(array.after_ids)
                after = sorted(set(after), key=_id_order)
                intent = Intent.new(launch.results_root, launch.sweep, array.stage, array.tasks)
                try:
                    array_id = shielded(partial(self._submit_array, array, after, launch, intent))
                except FailedJobError as err:
                    if interrupts.signal:  # sbatch may have died of it after Slurm took the array
                        _log_failure(launch, array, err, "sbatch failed after a signal")
                        queued = index + _ask_scheduler(launch.results_root, intent)
                        raise SubmissionStopped.interrupted(
                            interrupts.signal, arrays, queued, intent
                        ) from err
                    if not isinstance(err.__cause__, subprocess.CalledProcessError):
                        raise  # sbatch may have queued it: the intent stays open
                    message = _first_line(err.__cause__.stderr or str(err))
                    intent.void(f"sbatch refused: {message}")
                    log_path = _log_failure(launch, array, err, "sbatch refused")
                    raise SubmissionStopped.refused(message, arrays, index, log_path) from err
                submitted.append(array_id)
                outcome.submissions[array.stage] = outcome.submissions.get(array.stage, 0) + 1
                outcome.ids.update(intent.adopt(array_id))
            if interrupts.signal:
                raise SubmissionStopped.interrupted(interrupts.signal, arrays, len(arrays))
        return outcome

    def _executor(self, array: ArrayPlan, after: list[str], launch: Launch, comment: str):
        profile = launch.profile
        res = profile.resources_for(array.stage, get_stage(array.stage).resources)
        per_task = max(len(task) for task in array.tasks)
        time_min = profile.task_time_min(res.time_min, per_task)
        # A task capped below its jobs' total time needs more requeues to finish them all.
        timeouts = SUBMITIT_TIMEOUTS + -(-res.time_min * per_task // time_min) - 1
        executor = submitit.AutoExecutor(
            folder=launch.log_dir / "slurm" / "%j",
            cluster="slurm",
            slurm_max_num_timeout=timeouts,
        )
        extra: dict[str, str] = {"comment": comment}  # the intent's token (grid.store.intents)
        if profile.account:
            extra["account"] = profile.account
        if profile.qos:
            extra["qos"] = profile.qos
        if after:
            extra["dependency"] = "afterany:" + ":".join(after)
        params = {
            "name": f"lcc-{launch.sweep}-{array.stage}",
            "timeout_min": time_min,
            "cpus_per_task": res.cpus,
            "mem_gb": res.mem_gb,
            "slurm_array_parallelism": profile.array_parallelism,
            "slurm_signal_delay_s": profile.signal_delay_s,
            "slurm_setup": [*profile.setup, *code_setup(launch.code_dir)],
            "slurm_additional_parameters": extra,
        }
        if res.gpus:
            params["gpus_per_node"] = res.gpus
        if profile.partition:
            params["slurm_partition"] = profile.partition
        executor.update_parameters(**params)
        return executor

    def _submit_array(
        self, array: ArrayPlan, after: list[str], launch: Launch, intent: Intent
    ) -> str:
        """One ``sbatch`` of ``array`` (whose stderr, printed by submitit when sbatch fails,
        is kept off the terminal); returns the array's scheduler id."""
        executor = self._executor(array, after, launch, intent.comment)
        plugins, retries = launch.settings["plugins"], launch.settings["retries"]
        n = len(array.tasks)
        root, sweep = [str(launch.results_root)] * n, [launch.sweep] * n
        if array.packed:
            specs = [[job.to_dict() for job in task] for task in array.tasks]
            inputs = [_inputs_of(task, launch) for task in array.tasks]
            runner = PackedRunner(plugins, retries=retries)
            with contextlib.redirect_stderr(io.StringIO()):
                handles = executor.map_array(runner, specs, root, sweep, inputs)
        else:
            specs = [job.to_dict() for job in array.jobs]
            inputs = [launch.input_specs(job) for job in array.jobs]
            runner = JobRunner(plugins, retries=retries)
            with contextlib.redirect_stderr(io.StringIO()):
                handles = executor.map_array(runner, specs, root, sweep, inputs)
        array_id = handles[0].job_id.split("_")[0]
        log.info(
            "submitted %s: %d jobs in %d tasks as array %s%s",
            array.stage,
            len(array.jobs),
            n,
            array_id,
            f" after {', '.join(after)}" if after else "",
        )
        return array_id


def code_setup(code_dir: Path | None) -> list[str]:
    """The script lines that make a Slurm task import the suite from the launch's code
    snapshot (grid/code.py): first on ``PYTHONPATH``, ahead of the checkout's install, with
    the submission folder after it (``PYTHONSAFEPATH`` stops ``python -m`` from putting that
    folder first, where a checkout's packages would win; modules of its own, e.g. a sweep's
    plugins, are still found)."""
    if code_dir is None:
        return []
    return [
        f"export PYTHONPATH={shlex.quote(str(code_dir))}:$PWD${{PYTHONPATH:+:$PYTHONPATH}}",
        "export PYTHONSAFEPATH=1",
    ]


def _inputs_of(task: tuple[Job, ...], launch: Launch) -> dict[str, dict]:
    """The specs of every job read by any job of ``task``, by signature."""
    return {sig: spec for job in task for sig, spec in launch.input_specs(job).items()}
