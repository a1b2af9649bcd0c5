"""The Slurm executor's arrays, dependencies and resources, through the real submitit code
down to the ``sbatch`` call: a fake ``sbatch`` on PATH keeps each submitted script and
answers a job id (the real-Slurm test is tests/test_slurm_real.py)."""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import pytest

import grid
from grid.executors.base import Launch
from grid.launch import make_executor
from grid.plan import Group
from grid.profiles import load_profile
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder
from grid.store.state import DONE, NEW, PENDING

ARGS = [
    "seeds=3",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "select.joined=[]",
]
FIRST_ID = 7001

FAKE_SBATCH = f"""#!/bin/sh
# Keep the submitted script as <id>.sh and answer like sbatch does.
n=$(ls "$FAKE_SBATCH_DIR" | wc -l)
id=$(({FIRST_ID} + n))
cp "$1" "$FAKE_SBATCH_DIR/$id.sh"
echo "Submitted batch job $id"
"""


@pytest.fixture
def sbatch(tmp_path: Path, monkeypatch):
    """Install the fake sbatch (and srun); returns a function listing the submissions in
    order, each as ``(job id, {sbatch option: value})`` read from its ``#SBATCH`` lines."""
    bin_dir, kept = tmp_path / "bin", tmp_path / "sbatch-scripts"
    bin_dir.mkdir()
    kept.mkdir()
    script = bin_dir / "sbatch"
    script.write_text(FAKE_SBATCH)
    srun = bin_dir / "srun"  # submitit only checks that srun exists; it is never run here
    srun.write_text("#!/bin/sh\nexit 1\n")
    for tool in (script, srun):
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SBATCH_DIR", str(kept))

    def submissions() -> list[tuple[str, dict[str, str]]]:
        out = []
        for path in sorted(kept.glob("*.sh"), key=lambda p: int(p.stem)):
            flags = re.findall(r"^#SBATCH --([\w-]+)(?:=(.*))?$", path.read_text(), re.M)
            out.append((path.stem, {key: value for key, value in flags}))
        return out

    return submissions


def test_only_queued_inputs_become_dependencies_and_arrays_are_chunked(
    tmp_path: Path, sbatch
) -> None:
    the_plan = grid.plan("demo_cifar", ARGS)
    first = "synthetic train jpeg:10"  # read by a third of the trainings only
    encodes = sorted(
        (j for j in the_plan.jobs if j.stage == "encode"), key=lambda j: j.label != first
    )
    states = {j.signature: NEW for j in the_plan.jobs}
    for i, job in enumerate(encodes):  # all were submitted once; one is still in the queue
        JobFolder.of(tmp_path, job).mark_submitted(executor="slurm", slurm_job_id=f"{500 + i}_0")
        states[job.signature] = PENDING if i == 0 else DONE
    executor = make_executor("slurm", the_plan, tmp_path, states)
    profile = replace(load_profile("default"), max_array_size=2)
    launch = Launch("demo_cifar", tmp_path, the_plan.run_settings, profile, the_plan.by_signature)
    trains = [j for j in the_plan.jobs if j.stage == "train"]
    outcome = executor.submit([Group("train", 0, tuple(trains))], launch)
    calls = sbatch()
    assert len(calls) == math.ceil(len(trains) / 2) and outcome.submissions == {"train": len(calls)}
    assert {flags.get("dependency") for _, flags in calls} == {"afterany:500", None}
    readers = {j.signature for j in trains if encodes[0].signature in j.dependencies}
    for (array, flags), start in zip(calls, range(0, len(trains), 2), strict=True):
        piece = trains[start : start + 2]
        expected = "afterany:500" if any(j.signature in readers for j in piece) else None
        assert flags.get("dependency") == expected
        size = len(piece)
        assert flags.get("array") == (f"0-{size - 1}%{size}" if size > 1 else None)
        ids = [outcome.ids[j.signature] for j in piece]
        assert ids == ([f"{array}_{i}" for i in range(size)] if size > 1 else [array])


def test_two_stage_launch_chains_arrays_with_the_profiles_resources(tmp_path: Path, sbatch):
    """encode then train in one launch: the train array waits (afterany) for the encode
    array's id; throttle, partition, account, qos, time, CPUs, memory and GPUs are the
    profile's (train: the gpu class; encode: the gpu class with the profile's time override)."""
    the_plan = grid.plan("demo_cifar", ARGS)
    groups = {g.stage: g for g in the_plan.groups() if g.round == 0}
    encode, train = groups["encode"], groups["train"]
    assert len(encode.jobs) > 2 and len(train.jobs) > 2
    assert all(set(j.dependencies) <= {e.signature for e in encode.jobs} for j in train.jobs)
    profile = replace(load_profile("example-gpu-cluster"), array_parallelism=2)
    states = {j.signature: NEW for j in the_plan.jobs}
    executor = make_executor("slurm", the_plan, tmp_path, states)
    launch = Launch("demo_cifar", tmp_path, the_plan.run_settings, profile, the_plan.by_signature)
    outcome = executor.submit([encode, train], launch)

    (encode_id, encode_flags), (train_id, train_flags) = sbatch()
    assert "dependency" not in encode_flags
    assert train_flags["dependency"] == f"afterany:{encode_id}"
    for group, array, flags in [(encode, encode_id, encode_flags), (train, train_id, train_flags)]:
        res = profile.resources_for(group.stage, get_stage(group.stage).resources)
        assert flags["array"] == f"0-{len(group.jobs) - 1}%2"  # throttled to array_parallelism
        assert flags["partition"] == profile.partition == "gpu"
        assert flags["account"] == profile.account and flags["qos"] == profile.qos
        assert flags["time"] == str(res.time_min)
        assert flags["gpus-per-node"] == str(res.gpus) == "1"
        assert flags["cpus-per-task"] == str(res.cpus)
        assert flags["mem"] == f"{res.mem_gb}GB"
        assert flags["signal"].endswith(f"@{profile.signal_delay_s}")
        assert flags["job-name"] == f"lcc-demo_cifar-{group.stage}"
        assert [outcome.ids[j.signature] for j in group.jobs] == [
            f"{array}_{i}" for i in range(len(group.jobs))
        ]
        marker = JobFolder.of(tmp_path, group.jobs[0]).read("submitted")
        assert marker["slurm_job_id"] == f"{array}_0"
    assert encode_flags["time"] == "240" and train_flags["time"] == "720"  # [stages.encode]
