"""The Slurm dry run: the arrays a launch would submit, printed, and their ``sbatch`` scripts.

``python -m grid.launch sweep=NAME executor=slurm dry_run=true`` prints one row per array
(stage, tasks, jobs, resources, partition, wave, dependencies) and writes the script
``sbatch`` would get for each into ``results/_logs/<sweep>/dry_run/`` (``03-train.sbatch``),
rendered from the same parameters as the submission (grid/executors/sbatch.py). Arrays not
yet submitted have no scheduler id: a dependency on one reads ``<array 3>`` (the script
``03-*.sbatch``). Nothing is submitted and ``sbatch`` need not be on PATH; with a
``max_submit_jobs`` limit, the waves are counted against ``squeue --me`` where squeue answers,
else against an empty queue.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grid.executors.arrays import ArrayPlan, dependency_option
from grid.executors.base import Launch
from grid.executors.sbatch import array_parameters, script_text
from grid.executors.waves import QueueUnknown, cut_waves, queued_tasks

DRY_RUN_DIR = "dry_run"  # under the launch's log folder


def placeholder(index: int) -> str:
    """The stand-in for the scheduler id of the plan's array ``index``."""
    return f"<array {index}>"


def dry_run_dir(launch: Launch) -> Path:
    return launch.log_dir / DRY_RUN_DIR


def script_name(index: int, array: ArrayPlan, count: int) -> str:
    """``03-train.sbatch``: the array's index (as wide as the last one's) and stage."""
    return f"{index:0{max(2, len(str(count - 1)))}d}-{array.stage}.sbatch"


def room_now(limit: int) -> tuple[int, str]:
    """(room in the queue, where that number comes from) for a ``max_submit_jobs`` of
    ``limit``: ``squeue --me`` where it answers, else an empty queue."""
    if shutil.which("squeue") is None:
        return limit, "no squeue on PATH: an empty queue assumed"
    try:
        queued = queued_tasks()
    except QueueUnknown as err:
        return limit, f"{err}: an empty queue assumed"
    return limit - queued, f"{queued} tasks of yours in squeue --me"


def wave_of(arrays: list[ArrayPlan], limit: int) -> tuple[list[int], str]:
    """The wave (1-based) of each array, and one line saying how many and why."""
    if not limit:
        return [1] * len(arrays), "waves: 1 (no max_submit_jobs in the cluster profile)"
    room, source = room_now(limit)
    waves = cut_waves([len(a.tasks) for a in arrays], room, limit)
    out = [0] * len(arrays)
    number = 0
    for wave in waves:
        number += bool(wave)
        for index in wave:
            out[index] = number
    return out, f"waves: {number} of at most {limit} tasks (max_submit_jobs; {source})"


def show(arrays: list[ArrayPlan], launch: Launch) -> Path:
    """Print the arrays and write their scripts (the folder is emptied first); returns it."""
    folder = dry_run_dir(launch)
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    ids = [placeholder(i) for i in range(len(arrays))]
    waves, waves_line = wave_of(arrays, launch.profile.max_submit_jobs)
    tasks = sum(len(a.tasks) for a in arrays)
    jobs = sum(len(a.jobs) for a in arrays)
    print(f"slurm arrays: {len(arrays)} sbatch calls, {tasks} array tasks, {jobs} jobs")
    print(waves_line)
    print(
        f"{'#':>4} {'stage':<17}{'tasks':>6}{'jobs':>6}{'cpus':>5}{'mem':>7}{'gpus':>5}"
        f"{'time':>8} {'partition':<10}{'wave':>5}  dependencies"
    )
    for index, array in enumerate(arrays):
        dependency = dependency_option(array.dependencies, ids)
        params = array_parameters(array, dependency, launch)
        deps = "; ".join(d.describe(_namer(ids)) for d in array.dependencies)
        gpus = params.get("gpus_per_node", 0)
        print(
            f"{index:>4} {array.stage:<17}{len(array.tasks):>6}{len(array.jobs):>6}"
            f"{params['cpus_per_task']:>5}{params['mem_gb']:>5g}GB{gpus:>5}"
            f"{params['timeout_min']:>5}min {params.get('slurm_partition', '-'):<10}"
            f"{waves[index]:>5}  {array.dependency_kind}{': ' + deps if deps else ''}"
        )
        text = script_text(array, dependency, launch)
        (folder / script_name(index, array, len(arrays))).write_text(text)
    print(f"sbatch scripts: {folder}")
    return folder


def _namer(ids: list[str]):
    return lambda array: array if isinstance(array, str) else ids[array]
