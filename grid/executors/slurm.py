"""Slurm through submitit: the DAG is queued as job arrays (at once, or in waves under a
``max_submit_jobs`` limit) and the launcher exits.

:func:`grid.executors.arrays.plan_arrays` decides the arrays and what each waits for (a
task waits only for the upstream tasks holding its inputs: ``aftercorr`` task by task where
the layout allows, else task lists, else whole arrays): JPEG, noise, blur and original
encodes, and the trainings on them, start at once while the learned codecs are still being
fitted. Arrays are throttled by the profile's array parallelism; their parameters and script
come from grid/executors/sbatch.py, shared with the dry run. With ``pack.<stage>=N`` (or the
profile's ``[pack]``) an array task runs up to N jobs of its split one after another
(:class:`grid.pack.PackedRunner`). Jobs check their own inputs and fail with a clear error
when one is missing. More array tasks than the profile's ``max_submit_jobs`` go in waves
(grid/executors/waves.py).

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
import subprocess
import time
import traceback
from functools import partial
from pathlib import Path

from submitit.core.utils import FailedJobError

from grid.executors.arrays import ArrayPlan, dependency_option
from grid.executors.base import Executor, Launch, Outcome
from grid.executors.interrupts import JOIN_S, Interrupts, shielded
from grid.executors.sbatch import array_ask, array_executor
from grid.executors.slurm_arrays import slurm_arrays
from grid.executors.stopped import EXIT_REFUSED, SubmissionStopped, tally
from grid.executors.waves import QueueUnknown, cut_waves, queued_tasks
from grid.job import Job
from grid.pack import PackedRunner
from grid.plan import Group
from grid.runner import JobRunner
from grid.store.intents import QUEUED, Intent, read_intents, settle
from grid.store.state import now_iso

log = logging.getLogger("grid")

LAUNCH_LOG = "launch.log"  # in the launch's log folder: tracebacks kept off the terminal


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
    """Submits arrays with ``sbatch``; never waits on submitit's view of job state.

    With the profile's ``max_submit_jobs`` it submits in waves (grid/executors/waves.py):
    the first wave that fits the queue, then it stops, leaving :attr:`waves_left` for a
    relaunch; ``follow=True`` instead polls ``squeue`` every ``poll_s`` seconds and submits
    each wave when room frees, until every array is queued (holding the launch lock, so
    another launcher waits and ``grid.status`` says a launcher is submitting)."""

    name = "slurm"
    blocking = False

    def __init__(
        self, pending_ids: dict[str, str] | None = None, follow: bool = False, poll_s: float = 60
    ) -> None:
        # Scheduler ids (``123_4``) of jobs queued by an earlier launch that this launch's
        # jobs may need.
        self.pending_ids = dict(pending_ids or {})
        self.follow = follow
        self.poll_s = poll_s
        self.waves_left = 0  # waves not submitted when submit() returned

    def plan(self, groups: list[Group], launch: Launch) -> list[ArrayPlan]:
        """The arrays :meth:`submit` queues for ``groups``
        (:func:`grid.executors.slurm_arrays.slurm_arrays`, which the dry run shows)."""
        return slurm_arrays(groups, launch, self.pending_ids)

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        """Submit the arrays in order, each behind its durable intent
        (:class:`grid.store.intents.Intent`): intent, ``sbatch``, receipt, then the jobs'
        ``submitted`` markers; in waves where the profile's ``max_submit_jobs`` asks for it.
        Raises :class:`SubmissionStopped` when sbatch refuses an array, squeue does not
        answer, or a signal arrives (see :mod:`grid.executors.interrupts`); what was queued
        before stays queued and recorded."""
        arrays = self.plan(groups, launch)
        outcome = Outcome()
        submitted: list[str] = []  # scheduler id of each array of `arrays`
        with Interrupts() as interrupts:
            waves = 0
            while len(submitted) < len(arrays) and not interrupts.signal:
                wave = self._wave(arrays, len(submitted), launch, first=waves == 0)
                if not wave and not self.follow:
                    break
                if not wave:
                    _pause(self.poll_s, interrupts)
                    continue
                for index in wave:
                    if interrupts.signal:
                        raise SubmissionStopped.interrupted(interrupts.signal, arrays, index)
                    array_id, ids = self._queue(arrays, index, submitted, launch, interrupts)
                    submitted.append(array_id)
                    stage = arrays[index].stage
                    outcome.submissions[stage] = outcome.submissions.get(stage, 0) + 1
                    outcome.ids.update(ids)
                waves += 1
                if not self.follow:
                    break
            if interrupts.signal:
                raise SubmissionStopped.interrupted(interrupts.signal, arrays, len(submitted))
        rest = [len(a.tasks) for a in arrays[len(submitted) :]]
        limit = launch.profile.max_submit_jobs
        self.waves_left = len(cut_waves(rest, limit, limit))
        return outcome

    def _wave(self, arrays: list[ArrayPlan], start: int, launch: Launch, first: bool) -> range:
        """The arrays to submit now, from ``start``: all of them without a limit, else the
        first wave that fits the room ``squeue --me`` leaves (possibly none)."""
        limit = launch.profile.max_submit_jobs
        if not limit:
            return range(start, len(arrays))
        try:
            room = limit - queued_tasks()
        except QueueUnknown as err:
            raise SubmissionStopped(
                f"{err}; cannot count the queue against max_submit_jobs={limit}: "
                f"{tally(arrays, start)}. Relaunch with the same arguments where squeue works",
                EXIT_REFUSED,
            ) from err
        waves = cut_waves([len(a.tasks) for a in arrays[start:]], room, limit)
        wave = range(start + waves[0].start, start + waves[0].stop)
        tasks = sum(len(a.tasks) for a in arrays[start:])
        if first or wave:
            print(
                f"max_submit_jobs={limit}: {tasks} array tasks to submit, {max(room, 0)} of room "
                f"in the queue now; waves: {len(waves) - (not wave)}; "
                + (f"submitting {len(wave)} arrays now" if wave else "none fits now")
            )
        return wave

    def _queue(
        self,
        arrays: list[ArrayPlan],
        index: int,
        submitted: list[str],
        launch: Launch,
        interrupts: Interrupts,
    ) -> tuple[str, dict[str, str]]:
        """``sbatch`` of ``arrays[index]`` behind its intent; returns its scheduler id and
        its jobs' (signature -> ``<id>_<task>``)."""
        array = arrays[index]
        dependency = dependency_option(array.dependencies, submitted)
        intent = Intent.new(launch.results_root, launch.sweep, array.stage, array.tasks)
        try:
            array_id = shielded(partial(self._submit_array, array, dependency, launch, intent))
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
        ask = array_ask(array, launch)
        if ask.reason:
            log.info("%s array %s: %s", array.stage, array_id, ask.reason)
        return array_id, intent.adopt(array_id, **ask.marker_fields())

    def _submit_array(
        self, array: ArrayPlan, dependency: str | None, launch: Launch, intent: Intent
    ) -> str:
        """One ``sbatch`` of ``array`` (whose stderr, printed by submitit when sbatch fails,
        is kept off the terminal); returns the array's scheduler id."""
        executor = array_executor(array, dependency, launch, intent.comment)
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
            f" after {dependency}" if dependency else "",
        )
        return array_id


def _pause(seconds: float, interrupts: Interrupts) -> None:
    """Sleep ``seconds``, waking early when a signal arrives."""
    end = time.monotonic() + seconds
    while not interrupts.signal and time.monotonic() < end:
        time.sleep(min(JOIN_S, max(0.0, end - time.monotonic())))


def _inputs_of(task: tuple[Job, ...], launch: Launch) -> dict[str, dict]:
    """The specs of every job read by any job of ``task``, by signature."""
    return {sig: spec for job in task for sig, spec in launch.input_specs(job).items()}
