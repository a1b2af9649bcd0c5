"""Grid engine at scale: the thesis sweep planned into Slurm arrays, and a fake-executor run.

For the thesis sweep at each ``--seeds`` count it prints: jobs; Slurm array tasks without
and with packing (the default profile's ``[pack]``); sbatch calls with one array per stage
and round (before issue 13) and with arrays split by the upstream arrays their jobs read
(now); planning time (expansion + validation, grouping, arrays); the start-up seconds packing
saves (tasks saved × the python + torch + submitit import time, measured in this run); and
the critical path under a cost model (fit-codec 60, train 30, encode 2, evaluate 2, other
stages 1 unit per job; a packed task costs the sum of its jobs; every array starts when the
arrays it waits for have ended, with unlimited parallelism). Every count comes from
:func:`grid.executors.slurm.plan_arrays`, the function the Slurm executor submits from.
``--run`` also runs the largest plan through the fake executor with no-op stages.

    python benchmarks/bench_grid.py [--seeds 3 40] [--array-limit 1000] [--run]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import grid
from grid.executors.arrays import ArrayPlan, plan_arrays
from grid.executors.base import Launch
from grid.executors.fake import FakeExecutor
from grid.profiles import load_profile
from grid.stages import registry

COST = {"fit-codec": 60, "train": 30, "encode": 2, "evaluate": 2}  # units per job; others 1
IMPORT = "import submitit, grid.runner, grid.pack"  # what a Slurm task imports before its job


def cost(job_stage: str) -> int:
    return COST.get(job_stage, 1)


def finish_times(arrays: Sequence[ArrayPlan]) -> tuple[list[float], dict[str, float]]:
    """End time of each array and of each job under the cost model (unlimited parallelism:
    an array starts when the arrays it waits for have ended; its tasks run at once, the jobs
    of a task one after another)."""
    ends: list[float] = []
    job_end: dict[str, float] = {}
    for array in arrays:
        start = max((ends[i] for i in array.after), default=0.0)
        longest = 0.0
        for task in array.tasks:
            clock = start
            for job in task:
                clock += cost(job.stage)
                job_end[job.signature] = clock
            longest = max(longest, clock - start)
        ends.append(start + longest)
    return ends, job_end


def startup_seconds(repeats: int = 3) -> tuple[float, float]:
    """Median (CPU, wall) seconds of a fresh ``python -c "<IMPORT>"``: a Slurm task's start-up.

    The CPU time (user + sys) is what an idle node spends; the wall time also counts waiting
    for cores, which on a shared machine can be several times larger.
    """
    cpu, wall = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", IMPORT], check=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cpu), statistics.median(wall)


def report(seeds: int, limit: int, startup_s: float) -> grid.Plan:
    start = time.perf_counter()
    the_plan = grid.plan("thesis", [f"seeds={seeds}"])
    expand_s = time.perf_counter() - start
    start = time.perf_counter()
    groups = the_plan.groups()
    group_s = time.perf_counter() - start
    profile = load_profile("default")
    pack = profile.pack_sizes()
    start = time.perf_counter()
    now = plan_arrays(groups, {}, limit, pack)
    arrays_s = time.perf_counter() - start
    unpacked = plan_arrays(groups, {}, limit, {})
    by_stage = plan_arrays(groups, {}, limit, pack, by_inputs=False)
    by_stage_unpacked = plan_arrays(groups, {}, limit, {}, by_inputs=False)

    n = len(the_plan.jobs)
    tasks_before = sum(len(a.tasks) for a in unpacked)
    tasks_now = sum(len(a.tasks) for a in now)
    packs = ", ".join(f"{s} {k}" for s, k in pack.items() if k > 1)
    print(f"\nthesis sweep, {seeds} seeds: {n} jobs in {len(groups)} (stage, round) groups")
    print(
        f"  planning: {expand_s + group_s + arrays_s:.2f} s (expansion+validation "
        f"{expand_s:.2f} s, grouping {group_s * 1000:.0f} ms, arrays {arrays_s * 1000:.0f} ms)"
    )
    print(f"  Slurm array tasks: {tasks_before} without packing, {tasks_now} with ({packs})")
    saved = tasks_before - tasks_now
    print(
        f"  start-up saved: {saved} tasks x {startup_s:.1f} s = {saved * startup_s:.0f} s "
        f"({saved * startup_s / 3600:.1f} CPU-h of python + torch imports, plus each task's "
        "scheduling)"
    )
    print(
        f"  sbatch calls: {len(by_stage_unpacked)} one array per stage and round, "
        f"{len(unpacked)} split by inputs (+{len(unpacked) - len(by_stage_unpacked)}); "
        f"packed: {len(by_stage)} -> {len(now)}"
    )
    print(f"  cost model (units/job): {COST}, others 1")
    print(f"  {'':<40}{'by stage':>10}{'by inputs':>11}")
    rows = []
    for name, before, after in [
        ("unpacked", by_stage_unpacked, unpacked),
        ("packed", by_stage, now),
    ]:
        (ends_b, jobs_b), (ends_a, jobs_a) = finish_times(before), finish_times(after)
        rows.append((f"critical path, {name}", max(ends_b), max(ends_a)))
        plain = [
            j.signature for j in the_plan.jobs if j.stage == "train" and not _learned(j, the_plan)
        ]
        rows.append(
            (
                f"last non-learned training ends, {name}",
                max(jobs_b[s] for s in plain),
                max(jobs_a[s] for s in plain),
            )
        )
        rows.append(
            (
                f"mean job end, {name}",
                statistics.mean(jobs_b.values()),
                statistics.mean(jobs_a.values()),
            )
        )
    for label, before, after in rows:
        print(f"  {label:<40}{before:>10.1f}{after:>11.1f}")
    return the_plan


def _learned(job, the_plan: grid.Plan) -> bool:
    """Does ``job`` read, directly or through its inputs, a fitted codec?"""
    jobs = the_plan.by_signature
    todo, seen = list(job.dependencies), set()
    while todo:
        sig = todo.pop()
        if sig in seen:
            continue
        seen.add(sig)
        if jobs[sig].stage == "fit-codec":
            return True
        todo.extend(jobs[sig].dependencies)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 40])
    parser.add_argument("--array-limit", type=int, default=1000)
    parser.add_argument("--run", action="store_true", help="also run the fake executor")
    args = parser.parse_args()

    startup_s, wall_s = startup_seconds()
    print(
        f"task start-up (python -c '{IMPORT}', median of 3): {startup_s:.2f} s CPU "
        f"({wall_s:.2f} s wall here); the CPU time is used below"
    )
    print(f"MaxArraySize {args.array_limit}; profile default")
    plans = [report(seeds, args.array_limit, startup_s) for seeds in args.seeds]
    if args.run:
        the_plan = plans[-1]
        groups = the_plan.groups()
        noop = {s: registry.Stage(s, lambda ctx: {}, (), "cpu") for s in registry.STAGE_ORDER}
        registry.STAGES.clear()
        registry.STAGES.update(noop)
        with tempfile.TemporaryDirectory() as tmp:
            settings, profile = the_plan.run_settings, load_profile("default")
            launch = Launch("thesis", Path(tmp), settings, profile, the_plan.by_signature)
            start = time.perf_counter()
            outcome = FakeExecutor().submit(groups, launch)
            run_s = time.perf_counter() - start
        n = len(the_plan.jobs)
        print(
            f"\nfake executor, no-op stages: {n} jobs in {run_s:.1f} s ({n / run_s:.0f} jobs/s), "
            f"{len(outcome.failed)} failed"
        )


if __name__ == "__main__":
    main()
