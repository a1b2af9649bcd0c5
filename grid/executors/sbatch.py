"""An array's ``sbatch`` parameters and script, shared by the submission and the dry run.

:func:`array_parameters` is the one place that turns an :class:`ArrayPlan` and the cluster
profile into submitit's parameters (job name, time, CPUs, memory, GPUs, partition, account,
qos, throttle, dependency, setup lines); :func:`array_executor` builds the submitit executor
that grid/executors/slurm.py submits with, and :func:`script_text` renders the script
``sbatch`` would get, without submitting (the launcher's ``dry_run=true``). Imports
submitit, never torch.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import submitit

from grid.executors.arrays import AFTERCORR, ArrayPlan
from grid.executors.asks import Ask, ask_of
from grid.executors.base import Launch

SUBMITIT_TIMEOUTS = 3  # submitit's default number of timeout requeues of one task
SLURM_PREFIX = "slurm_"  # AutoExecutor's prefix of Slurm-only parameters


def array_parameters(
    array: ArrayPlan, dependency: str | None, launch: Launch, comment: str | None = None
) -> dict[str, Any]:
    """submitit's ``update_parameters`` keywords for ``array``: what its jobs ask for
    (:func:`array_ask`: resources, and the partition, account, qos and ``[sbatch]`` options
    of their stage and resource class; a packed task's time is its jobs' sum, capped:
    ``Profile.task_time_min``),
    ``dependency`` as ``--dependency`` (see :func:`grid.executors.arrays.dependency_option`;
    with ``--kill-on-invalid-dep=yes`` where it holds an ``aftercorr``), and ``comment`` as
    ``--comment`` (the intent's ``lcc:<token>``, grid/store/intents.py)."""
    profile = launch.profile
    ask = array_ask(array, launch)
    submission = profile.submission(array.stage, ask.resource_class)
    res = ask.resources
    per_task = max(len(task) for task in array.tasks)
    extra: dict[str, str | int | bool] = submission.additional_parameters()
    if comment:
        extra["comment"] = comment
    if dependency:
        extra["dependency"] = dependency
    if any(dep.kind == AFTERCORR for dep in array.dependencies):
        # A task whose upstream task failed can never start: Slurm cancels it, and the
        # next launch resubmits it (its job reads as new), instead of it pending forever.
        extra["kill_on_invalid_dep"] = "yes"
    params: dict[str, Any] = {
        "name": f"lcc-{launch.sweep}-{array.stage}",
        "timeout_min": profile.task_time_min(res.time_min, per_task),
        "cpus_per_task": res.cpus,
        "mem_gb": res.mem_gb,
        "slurm_array_parallelism": profile.array_parallelism,
        "slurm_signal_delay_s": profile.signal_delay_s,
        "slurm_setup": [*profile.setup, *code_setup(launch.code_dir)],
        "slurm_additional_parameters": extra,
    }
    if res.gpus:
        params["gpus_per_node"] = res.gpus
    if submission.partition:
        params["slurm_partition"] = submission.partition
    return params


def array_ask(array: ArrayPlan, launch: Launch) -> Ask:
    """What every job of ``array`` asks for: the plan's (:func:`grid.executors.arrays.
    plan_arrays` with ``ask=``), else its first job's with no failure history."""
    if isinstance(array.ask, Ask):
        return array.ask
    return ask_of(array.jobs[0], launch.profile)


def timeout_requeues(array: ArrayPlan, launch: Launch) -> int:
    """submitit's timeout requeues of one task of ``array``: its default, plus one more for
    each job time a task capped below its jobs' total needs to finish them all."""
    profile = launch.profile
    res = array_ask(array, launch).resources
    per_task = max(len(task) for task in array.tasks)
    time_min = profile.task_time_min(res.time_min, per_task)
    return SUBMITIT_TIMEOUTS + -(-res.time_min * per_task // time_min) - 1


def array_executor(
    array: ArrayPlan, dependency: str | None, launch: Launch, comment: str | None = None
) -> submitit.AutoExecutor:
    """The submitit executor that submits ``array`` (logs in ``<log_dir>/slurm/<job id>``)."""
    executor = submitit.AutoExecutor(
        folder=launch.log_dir / "slurm" / "%j",
        cluster="slurm",
        slurm_max_num_timeout=timeout_requeues(array, launch),
    )
    executor.update_parameters(**array_parameters(array, dependency, launch, comment))
    return executor


class _ScriptRenderer(submitit.SlurmExecutor):
    """submitit's Slurm executor used only to render scripts: it never submits, so it needs
    no ``srun`` on PATH (a dry run on a laptop)."""

    @classmethod
    def affinity(cls) -> int:
        return 1


def script_text(array: ArrayPlan, dependency: str | None, launch: Launch) -> str:
    """The script ``sbatch`` would get for ``array`` (``#SBATCH --array=0-<n-1>%<k>`` for
    more than one task), rendered by submitit from :func:`array_parameters` translated as
    :class:`submitit.AutoExecutor` translates them; nothing is submitted or written."""
    renderer = _ScriptRenderer(
        launch.log_dir / "slurm" / "%j", max_num_timeout=timeout_requeues(array, launch)
    )
    params = array_parameters(array, dependency, launch)
    generic = {k: v for k, v in params.items() if not k.startswith(SLURM_PREFIX)}
    specific = {k[len(SLURM_PREFIX) :]: v for k, v in params.items() if k.startswith(SLURM_PREFIX)}
    renderer.update_parameters(**renderer._convert_parameters(generic), **specific)
    if len(array.tasks) > 1:
        renderer.parameters["map_count"] = len(array.tasks)
    return renderer._make_submission_file_text(renderer._submitit_command_str, "dry-run")


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
