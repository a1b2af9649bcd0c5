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
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import submitit

from grid.executors.base import Executor, Launch, Outcome
from grid.job import Job
from grid.pack import PackedRunner
from grid.plan import Group
from grid.runner import JobRunner
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder

log = logging.getLogger("grid")

SUBMITIT_TIMEOUTS = 3  # submitit's default number of timeout requeues of one task


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


class SlurmExecutor(Executor):
    """Submits arrays with ``sbatch``; never waits on submitit's view of job state."""

    name = "slurm"
    blocking = False

    def __init__(self, pending_ids: dict[str, str] | None = None) -> None:
        # Scheduler ids of jobs queued by an earlier launch that this launch's jobs may need.
        self.pending_ids = dict(pending_ids or {})

    def submit(self, groups: list[Group], launch: Launch) -> Outcome:
        profile = launch.profile
        pack = profile.pack_sizes(launch.settings.get("pack"))
        arrays = plan_arrays(groups, self.pending_ids, profile.max_array_size, pack)
        outcome = Outcome()
        submitted: list[str] = []  # scheduler id of each array of `arrays`
        for array in arrays:
            after = [submitted[i] for i in array.after] + list(array.after_ids)
            handles = self._submit_array(array, sorted(set(after), key=_id_order), launch)
            submitted.append(handles[0].job_id.split("_")[0])
            outcome.submissions[array.stage] = outcome.submissions.get(array.stage, 0) + 1
            for task, handle in zip(array.tasks, handles, strict=True):
                for position, job in enumerate(task):
                    outcome.ids[job.signature] = handle.job_id
                    JobFolder.of(launch.results_root, job).mark_submitted(
                        executor="slurm",
                        slurm_job_id=handle.job_id,
                        task_position=position,
                        task_jobs=len(task),
                    )
        return outcome

    def _executor(self, array: ArrayPlan, after: list[str], launch: Launch):
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
        extra: dict[str, str] = {}
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

    def _submit_array(self, array: ArrayPlan, after: list[str], launch: Launch) -> list:
        executor = self._executor(array, after, launch)
        plugins, retries = launch.settings["plugins"], launch.settings["retries"]
        n = len(array.tasks)
        root, sweep = [str(launch.results_root)] * n, [launch.sweep] * n
        if array.packed:
            specs = [[job.to_dict() for job in task] for task in array.tasks]
            inputs = [_inputs_of(task, launch) for task in array.tasks]
            runner = PackedRunner(plugins, retries=retries)
            handles = executor.map_array(runner, specs, root, sweep, inputs)
        else:
            specs = [job.to_dict() for job in array.jobs]
            inputs = [launch.input_specs(job) for job in array.jobs]
            runner = JobRunner(plugins, retries=retries)
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
        return handles


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
