"""How long a sweep takes on Slurm with per-task dependencies and with whole-array ones.

Plans the sweep (``grid.plan``), cuts it into the arrays the Slurm executor submits
(:func:`grid.executors.arrays.plan_arrays`: per-task dependencies, issue 22) and into the
arrays it submitted before (``per_task=False``: every array waits for its whole upstream
arrays), then simulates the queue from a table of minutes per job and stage. The minutes are
ASSUMED, not measured (override them with ``--minutes train=90``; Tiny ImageNet jobs take
:data:`SIZE_FACTOR` times as long); a packed task runs its
jobs one after another. A task starts when what it waits for has ended (``aftercorr``: the
upstream task of its index; a task list: those tasks; a whole array: all of its tasks) and,
with ``--slots N``, a slot is free (N tasks run at once; ready tasks start in submission
order, the order Slurm gives equal-priority jobs). It prints, side by side, the makespan and
the mean start of the evaluations, with and without the profile's packing.

    python benchmarks/critical_path.py [--sweep thesis] [--slots 0 64] [--minutes train=90]
"""

from __future__ import annotations

import argparse
import heapq
import statistics
from collections.abc import Mapping, Sequence

import grid
from grid.executors.arrays import AFTERCORR, TASKS, ArrayPlan, plan_arrays
from grid.job import Job
from grid.profiles import load_profile

# ASSUMED minutes per job of each stage (order of magnitude on one GPU; nothing measured).
MINUTES = {
    "fit-codec": 120,
    "gate-reference": 5,
    "check-codec": 5,
    "encode": 10,
    "prepare-cifar10c": 20,
    "train": 60,
    "evaluate": 5,
    "fourier": 15,
    "select": 2,
    "report": 5,
}

# ASSUMED: a 64x64 Tiny ImageNet job takes this many times a 32x32 CIFAR-10 one (4x the
# pixels, 2x the training images); where jobs of both share an array, a whole-array
# dependency waits for the slowest.
SIZE_FACTOR = {"tinyimagenet": 6.0}

Task = tuple[int, int]  # (array index, task index)


def job_minutes(job: Job, jobs: Mapping[str, Job], minutes: Mapping[str, float]) -> float:
    """The assumed minutes of ``job``: its stage's, times its dataset's factor (the dataset
    of its config, else of its first input: an evaluation's is its training's)."""
    source = job
    while not isinstance(source.config.get("dataset"), dict) and source.dependencies:
        source = jobs[source.dependencies[0]]
    name = source.config.get("dataset", {}).get("name", "")
    return minutes[job.stage] * SIZE_FACTOR.get(name, 1.0)


def prerequisites(arrays: Sequence[ArrayPlan]) -> dict[Task, set[Task]]:
    """The tasks each task waits for, read from its array's dependencies."""
    out: dict[Task, set[Task]] = {}
    for a, array in enumerate(arrays):
        for t in range(len(array.tasks)):
            waits: set[Task] = set()
            for dep in array.dependencies:
                if not isinstance(dep.array, int):
                    continue  # an earlier launch's array: none in a fresh plan
                if dep.kind == AFTERCORR:
                    waits.add((dep.array, t))
                elif dep.kind == TASKS:
                    waits.update((dep.array, u) for u in dep.tasks)
                else:
                    waits.update((dep.array, u) for u in range(len(arrays[dep.array].tasks)))
            out[(a, t)] = waits
    return out


def simulate(
    arrays: Sequence[ArrayPlan], minutes: Mapping[str, float], slots: int
) -> tuple[float, dict[str, float]]:
    """(makespan, start minute of every job) with ``slots`` tasks at once (0: unlimited);
    ``minutes``: by job signature."""
    waits = prerequisites(arrays)
    length = {
        (a, t): sum(minutes[job.signature] for job in task)
        for a, array in enumerate(arrays)
        for t, task in enumerate(array.tasks)
    }
    readers: dict[Task, list[Task]] = {task: [] for task in waits}
    for task, before in waits.items():
        for upstream in before:
            readers[upstream].append(task)
    left = {task: len(before) for task, before in waits.items()}
    ready = [task for task, n in left.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, Task]] = []
    start: dict[Task, float] = {}
    now = 0.0
    while ready or running:
        while ready and (slots == 0 or len(running) < slots):
            task = heapq.heappop(ready)
            start[task] = now
            heapq.heappush(running, (now + length[task], task))
        now, task = heapq.heappop(running)
        for reader in readers[task]:
            left[reader] -= 1
            if left[reader] == 0:
                heapq.heappush(ready, reader)
    jobs: dict[str, float] = {}
    for (a, t), begin in start.items():
        clock = begin
        for job in arrays[a].tasks[t]:
            jobs[job.signature] = clock
            clock += minutes[job.signature]
    return now, jobs


def parse_minutes(pairs: Sequence[str]) -> dict[str, float]:
    """:data:`MINUTES` with ``stage=minutes`` overrides; a bad one exits with one line."""
    out = dict(MINUTES)
    for pair in pairs:
        stage, _, value = pair.partition("=")
        if stage not in out:
            raise SystemExit(f"unknown stage {stage!r}; valid stages: {', '.join(out)}")
        try:
            out[stage] = float(value)
        except ValueError:
            raise SystemExit(f"--minutes {pair}: not a number of minutes") from None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sweep", default="thesis")
    parser.add_argument("--slots", type=int, nargs="+", default=[0, 64])
    parser.add_argument("--minutes", nargs="*", default=[], metavar="STAGE=MIN")
    parser.add_argument("--array-limit", type=int, default=1000)
    args = parser.parse_args()
    minutes = parse_minutes(args.minutes)

    the_plan = grid.plan(args.sweep)
    groups = the_plan.groups()
    jobs = the_plan.by_signature
    per_job = {sig: job_minutes(job, jobs, minutes) for sig, job in jobs.items()}
    evaluations = [j.signature for j in the_plan.jobs if j.stage == "evaluate"]
    print(f"sweep {args.sweep}: {len(the_plan.jobs)} jobs; MaxArraySize {args.array_limit}")
    print("minutes per job, ASSUMED (not measured; --minutes stage=N overrides):")
    print("  " + ", ".join(f"{stage} {m:g}" for stage, m in minutes.items()))
    print(f"  times {', '.join(f'{k} {v:g}' for k, v in SIZE_FACTOR.items())} (ASSUMED)")
    packings = {"unpacked": {}, "packed (default profile)": load_profile("default").pack_sizes()}
    for name, pack in packings.items():
        per_task = plan_arrays(groups, {}, args.array_limit, pack)
        whole = plan_arrays(groups, {}, args.array_limit, pack, per_task=False)
        print(f"\n{name}: {len(per_task)} arrays per-task, {len(whole)} whole-array")
        print(f"  {'':<36}{'per-task':>10}{'whole-array':>13}")
        for slots in args.slots:
            label = "unlimited" if slots == 0 else f"{slots} slots"
            (end_a, jobs_a), (end_b, jobs_b) = (
                simulate(per_task, per_job, slots),
                simulate(whole, per_job, slots),
            )
            rows = [
                ("makespan (h)", end_a / 60, end_b / 60),
                (
                    "mean evaluation start (h)",
                    statistics.mean(jobs_a[s] for s in evaluations) / 60,
                    statistics.mean(jobs_b[s] for s in evaluations) / 60,
                ),
            ]
            for what, a, b in rows:
                print(f"  {label + ', ' + what:<36}{a:>10.1f}{b:>13.1f}")  # hours


if __name__ == "__main__":
    main()
