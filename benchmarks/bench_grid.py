"""Grid engine at scale: a ~10,000-job sweep planned and run through the fake executor.

Prints expansion time (per 1000 jobs), grouping time, fake-executor throughput with no-op
stages, and the submissions per stage the Slurm executor would make (sbatch calls counted by
running its real chunking code with submission stubbed). Beside the counted sbatch calls, the
"expected" column is derived independently of the executor and of ``Plan.groups()``: the
plan's job count per stage ceil-divided by the profile's MaxArraySize, a lower bound that is
exact for a stage submitted in one dependency round (each extra round needs its own array).

    python benchmarks/bench_grid.py [--seeds 60] [--array-limit 1000] [--no-run]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import grid
from grid.executors.base import Launch
from grid.executors.fake import FakeExecutor
from grid.executors.slurm import SlurmExecutor
from grid.profiles import load_profile
from grid.stages import registry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--array-limit", type=int, default=1000)
    parser.add_argument("--no-run", action="store_true", help="skip the fake-executor run")
    args = parser.parse_args()

    start = time.perf_counter()
    the_plan = grid.plan("thesis", [f"seeds={args.seeds}"])
    expand_s = time.perf_counter() - start
    start = time.perf_counter()
    groups = the_plan.groups()
    group_s = time.perf_counter() - start
    n = len(the_plan.jobs)
    per_1000 = 1000 * expand_s / n
    print(f"jobs: {n}  expansion+validation: {expand_s:.2f} s ({per_1000:.3f} s per 1000 jobs)")
    print(f"grouping into {len(groups)} groups: {group_s * 1000:.1f} ms")

    calls: Counter = Counter()

    class CountingSlurm(SlurmExecutor):
        def _submit_array(self, stage, jobs, after, launch):
            calls[stage] += 1
            return [type("H", (), {"job_id": f"{calls.total()}_{i}"})() for i in range(len(jobs))]

    with tempfile.TemporaryDirectory() as tmp:
        profile = load_profile("default")
        profile = type(profile)(**{**profile.__dict__, "max_array_size": args.array_limit})
        launch = Launch("thesis", Path(tmp), the_plan.run_settings, profile, the_plan.by_signature)
        CountingSlurm().submit(groups, launch)
        per_stage = Counter(j.stage for j in the_plan.jobs)
        rounds = Counter(g.stage for g in groups)
        limit = profile.max_array_size
        print(f"sbatch calls per stage (MaxArraySize {limit}; counted = SlurmExecutor's own")
        print(f"chunking with submission stubbed; expected = ceil(jobs / {limit}), a lower bound")
        print("that is exact when the stage goes in one dependency round; check 'rounds' =")
        print("above it by at most rounds - 1, as each dependency round starts its own arrays)")
        print(f"{'stage':<18}{'jobs':>7}{'sbatch':>8}{'expected':>10}  {'check':<8}rounds")
        for stage, count in per_stage.items():
            expected = -(-count // limit)  # plain ceil-division, independent of the executor
            if calls[stage] == expected:
                check = "ok"
            elif expected < calls[stage] <= expected + rounds[stage] - 1:
                check = "rounds"  # each round starts its own array: at most rounds - 1 more
            else:
                check = "MISMATCH"
            print(
                f"{stage:<18}{count:>7}{calls[stage]:>8}{expected:>10}  {check:<8}{rounds[stage]}"
            )

        if not args.no_run:
            noop = {s: registry.Stage(s, lambda ctx: {}, (), "cpu") for s in registry.STAGE_ORDER}
            registry.STAGES.clear()
            registry.STAGES.update(noop)
            start = time.perf_counter()
            outcome = FakeExecutor().submit(groups, launch)
            run_s = time.perf_counter() - start
            print(
                f"fake executor, no-op stages: {n} jobs in {run_s:.1f} s ({n / run_s:.0f} jobs/s), "
                f"{len(outcome.failed)} failed"
            )


if __name__ == "__main__":
    main()
