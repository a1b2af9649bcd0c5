"""The Slurm executor's arrays, dependencies and resources, through the real submitit code
down to the ``sbatch`` call: a fake ``sbatch`` on PATH keeps each submitted script and
answers a job id (the real-Slurm test is tests/test_slurm_real.py)."""

from __future__ import annotations

import math
import os
import re
import shlex
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from submitit.core.utils import DelayedSubmission, JobPaths

import grid
from grid.executors.base import Launch
from grid.launch import main, make_executor
from grid.pack import PackedRunner
from grid.plan import Group
from grid.profiles import load_profile
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder
from grid.store.state import DONE, NEW, PENDING
from tests import grid_toy_stages as toy

ARGS = [*toy.JPEG_ONLY, "seeds=3"]
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
    readers = [trains.index(j) for j in trains if encodes[0].signature in j.dependencies]
    assert readers == [3, 4, 5]  # they wait for task 500_0, trainings 0 to 2 for nothing
    # max_array_size=2: each split is cut into consecutive arrays of at most 2 trainings
    pieces = [
        (trains[0:2], None),
        (trains[2:3], None),
        (trains[3:5], "afterany:500_0"),
        (trains[5:6], "afterany:500_0"),
    ]
    assert len(calls) == len(pieces) and outcome.submissions == {"train": len(calls)}
    for (array, flags), (piece, dependency) in zip(calls, pieces, strict=True):
        assert flags.get("dependency") == dependency
        size = len(piece)
        assert flags.get("array") == (f"0-{size - 1}%{size}" if size > 1 else None)
        ids = [outcome.ids[j.signature] for j in piece]
        assert ids == ([f"{array}_{i}" for i in range(size)] if size > 1 else [array])


def dependencies(flags: dict[str, str]) -> set[str]:
    """The array ids an ``afterany:a_1:b,aftercorr:c`` dependency names."""
    value = flags.get("dependency")
    if not value:
        return set()
    ids = [i for part in value.split(",") for i in part.split(":")[1:]]
    return {i.split("_")[0] for i in ids}


def waits_for(flags: dict[str, str], task_id: str, input_id: str) -> bool:
    """Does the array task ``task_id`` (``<array>_<i>`` or a plain job's id) wait for the job
    ``input_id``: its task listed (``afterany:7_3``), its whole array (``afterany:7``), or
    the same index of its array (``aftercorr:7``)?"""
    kinds = dict(part.split(":", 1) for part in flags.get("dependency", "").split(",") if part)
    listed = kinds.get("afterany", "").split(":")
    array, _, index = input_id.partition("_")
    if input_id in listed or array in listed:
        return True
    return array in kinds.get("aftercorr", "").split(":") and task_id.endswith(f"_{index}")


def test_each_array_waits_only_for_the_arrays_holding_its_jobs_inputs(
    tmp_path: Path, sbatch
) -> None:
    """The whole demo DAG (BLS λ 0.01 and 0.1, JPEG, noise, blur, original) in one launch:
    the JPEG/noise/blur/original encodes and their trainings wait for no codec fit."""
    the_plan = grid.plan("demo_cifar", ["seeds=2", *toy.NO_FUTURE_CODECS])
    states = {j.signature: NEW for j in the_plan.jobs}
    launch = Launch(
        "demo_cifar",
        tmp_path,
        the_plan.run_settings,
        load_profile("default"),
        the_plan.by_signature,
    )
    outcome = make_executor("slurm", the_plan, tmp_path, states).submit(the_plan.groups(), launch)
    flags = dict(sbatch())
    array = {sig: slurm_id.split("_")[0] for sig, slurm_id in outcome.ids.items()}
    assert set(array) == {j.signature for j in the_plan.jobs}
    for job in the_plan.jobs:  # waits exactly for the arrays of its own inputs, task by task
        waits = flags[array[job.signature]]
        assert dependencies(waits) == {array[d] for d in job.dependencies}
        own = outcome.ids[job.signature]
        assert all(waits_for(waits, own, outcome.ids[d]) for d in job.dependencies)
    fits = {array[j.signature] for j in the_plan.jobs if j.stage == "fit-codec"}
    encodes = [j for j in the_plan.jobs if j.stage == "encode"]
    learned = [j for j in encodes if j.config["codec"] == "bls"]
    plain = [j for j in encodes if j.config["codec"] != "bls"]
    assert len(fits) == 1 and len(learned) == 4 and len(plain) == 8
    assert all(dependencies(flags[array[j.signature]]) == fits for j in learned)
    assert all("dependency" not in flags[array[j.signature]] for j in plain)
    plain_trains = [
        j
        for j in the_plan.jobs
        if j.stage == "train" and set(j.dependencies) <= {e.signature for e in plain}
    ]
    assert len(plain_trains) == 8  # original, jpeg, noise, blur x 2 seeds
    assert all(not dependencies(flags[array[j.signature]]) & fits for j in plain_trains)
    groups = the_plan.groups()
    assert len(flags) > len(groups)  # a (stage, round) group became several arrays


def test_packed_arrays_have_ceil_n_over_pack_tasks_and_each_marker_names_its_task(
    tmp_path: Path, sbatch
) -> None:
    the_plan = grid.plan("demo_cifar", [*ARGS, "pack.encode=3"])
    encode = next(g for g in the_plan.groups() if g.stage == "encode")
    assert len(encode.jobs) == 4  # original and jpeg:10, train and test splits
    profile = replace(load_profile("default"), pack={"encode": 8}, max_time_min=300)
    settings = the_plan.run_settings  # pack.encode=3 on the command line beats the profile's 8
    launch = Launch("demo_cifar", tmp_path, settings, profile, the_plan.by_signature)
    states = {j.signature: NEW for j in the_plan.jobs}
    outcome = make_executor("slurm", the_plan, tmp_path, states).submit([encode], launch)
    ((array, flags),) = sbatch()
    assert flags["array"] == f"0-{math.ceil(4 / 3) - 1}%2"  # 2 tasks
    res = profile.resources_for("encode", "cpu")  # JPEG and original encodes: the cpu class
    assert res.time_min * 3 > 300 and flags["time"] == "300"  # 3 jobs' time, capped
    for index, task in enumerate([encode.jobs[0:3], encode.jobs[3:4]]):  # 3 jobs a task
        paths = JobPaths(launch.log_dir / "slurm" / "%j", job_id=f"{array}_{index}")
        submission = DelayedSubmission.load(paths.submitted_pickle)
        assert isinstance(submission.function, PackedRunner)
        assert submission._timeout_countdown == 3 + 1  # one more requeue for the capped time
        assert [spec["signature"] for spec in submission.args[0]] == [j.signature for j in task]
        for position, job in enumerate(task):
            marker = JobFolder.of(tmp_path, job).read("submitted")
            assert marker["slurm_job_id"] == outcome.ids[job.signature] == f"{array}_{index}"
            assert (marker["task_position"], marker["task_jobs"]) == (position, len(task))


@pytest.mark.parametrize(
    ("args", "profile_pack", "message"),
    [
        (
            ["pack.evaluation=4"],
            "",
            "unknown stage 'evaluation' in pack; did you mean evaluate? valid stages: fit-codec,",
        ),
        (["pack.encode=0"], "", "pack.encode must be a whole number of jobs >= 1, got 0"),
        (["pack.encode=two"], "", "pack.encode must be a whole number of jobs >= 1, got 'two'"),
        ([], "[pack]\nencode = 2.5\n", "[pack].encode must be a whole number of jobs >= 1"),
        (
            [],
            "[pack]\ntrian = 2\n",
            "unknown stage 'trian' in profile ci.toml [pack]; did you mean train? valid",
        ),
    ],
)
def test_a_bad_pack_is_a_one_line_error_and_nothing_is_submitted(
    tmp_path: Path, sbatch, capsys, args, profile_pack, message
) -> None:
    cluster = tmp_path / "ci.toml"
    cluster.write_text(f'description = "test"\n{profile_pack}')
    code = main(
        [
            "sweep=demo_cifar",
            "executor=slurm",
            *ARGS,
            f"results={tmp_path}",
            f"cluster={cluster}",
            *args,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and sbatch() == []
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_encode_then_train_lines_up_task_by_task_with_the_profiles_resources(
    tmp_path: Path, sbatch
):
    """encode then train in one launch, unpacked: the training sets' encodes form one array
    and each seed's trainings another, laid out index by index, so training i waits
    (``aftercorr``) for encode i alone, plus the clean test split every training reads;
    throttle, partition, account, qos, ``[sbatch]`` options, time, CPUs, memory and GPUs are
    the profile's for each stage and resource class (train: gpu; JPEG encodes: cpu)."""
    the_plan = grid.plan("demo_cifar", [*ARGS, "codecs.jpeg=[10,20]"])
    groups = {g.stage: g for g in the_plan.groups() if g.round == 0}
    encode, train = groups["encode"], groups["train"]
    assert all(set(j.dependencies) <= {e.signature for e in encode.jobs} for j in train.jobs)
    profile = replace(load_profile("example-gpu-cluster"), array_parallelism=2, pack={})
    states = {j.signature: NEW for j in the_plan.jobs}
    executor = make_executor("slurm", the_plan, tmp_path, states)
    launch = Launch("demo_cifar", tmp_path, the_plan.run_settings, profile, the_plan.by_signature)
    outcome = executor.submit([encode, train], launch)

    calls = dict(sbatch())
    array = {sig: slurm_id.split("_")[0] for sig, slurm_id in outcome.ids.items()}
    assert len({array[j.signature] for j in train.jobs}) == 3  # one array per seed
    for job in train.jobs:
        (data,), (test,) = job.inputs["train_data"], job.inputs["test_clean"]
        waits = calls[array[job.signature]]["dependency"]
        assert waits == f"afterany:{outcome.ids[test]},aftercorr:{array[data]}"
        assert calls[array[job.signature]]["kill-on-invalid-dep"] == "yes"
        assert outcome.ids[job.signature].split("_")[1] == outcome.ids[data].split("_")[1]
    assert all("kill-on-invalid-dep" not in calls[array[j.signature]] for j in encode.jobs)
    for group, resource_class in ((encode, "cpu"), (train, "gpu")):
        assert {get_stage(group.stage).resource_class(j.config) for j in group.jobs} == {
            resource_class
        }
        sub = profile.submission(group.stage, resource_class)
        res = sub.resources
        for array_id in {array[j.signature] for j in group.jobs}:
            flags, n = calls[array_id], sum(array[j.signature] == array_id for j in group.jobs)
            assert flags.get("array") == (f"0-{n - 1}%{min(n, 2)}" if n > 1 else None)
            assert flags["partition"] == sub.partition == resource_class
            assert flags["account"] == profile.account and flags["qos"] == profile.qos
            assert all(flags[k] == shlex.quote(str(v)) for k, v in sub.sbatch.items())
            assert flags["time"] == str(res.time_min)
            assert flags.get("gpus-per-node", "0") == str(res.gpus)
            assert flags["cpus-per-task"] == str(res.cpus)
            assert flags["mem"] == f"{res.mem_gb}GB"
            assert flags["signal"].endswith(f"@{profile.signal_delay_s}")
            assert flags["job-name"] == f"lcc-demo_cifar-{group.stage}"
    for job in [*encode.jobs, *train.jobs]:
        marker = JobFolder.of(tmp_path, job).read("submitted")
        assert marker["slurm_job_id"] == outcome.ids[job.signature]
    res = {g.stage: profile.resources_for(g.stage, "gpu").time_min for g in (encode, train)}
    assert res == {"encode": 240, "train": 720}  # [stages.encode]
    for job in [*encode.jobs, *train.jobs]:  # what each asked for, for its next failure
        marker = JobFolder.of(tmp_path, job).read("submitted")
        asked = calls[array[job.signature]]["mem"].removesuffix("GB")
        assert marker["resources"]["mem_gb"] == float(asked)


def test_a_job_killed_for_memory_is_resubmitted_alone_with_twice_the_memory(
    tmp_path: Path, sbatch
) -> None:
    """The retry policy reaches sbatch: of three trainings, the one whose last attempt Slurm
    killed for memory (recorded as grid.status records it) goes to an array of its own asking
    twice its recorded memory, capped by max_mem_gb, and its marker says why; the others keep
    the profile's memory."""
    the_plan = grid.plan("demo_cifar", [*ARGS, "codecs.jpeg=[10,20]"])
    train = next(g for g in the_plan.groups() if g.stage == "train" and g.round == 0)
    profile = replace(load_profile("example-gpu-cluster"), pack={}, max_mem_gb=200)
    base = profile.submission("train", "gpu").resources.mem_gb
    killed = train.jobs[1]
    folder = JobFolder.of(tmp_path, killed)
    folder.write_spec(killed.to_dict())
    folder.mark_submitted(executor="slurm", slurm_job_id="41_1", resources={"mem_gb": base})
    judged = folder.read("submitted")
    line = "out_of_memory: over its memory limit"
    assert folder.record_scheduler_failure("out_of_memory", line, {}, judged)

    states = {j.signature: NEW for j in the_plan.jobs}
    launch = Launch("demo_cifar", tmp_path, the_plan.run_settings, profile, the_plan.by_signature)
    outcome = make_executor("slurm", the_plan, tmp_path, states).submit([train], launch)

    calls = dict(sbatch())
    array = {sig: slurm_id.split("_")[0] for sig, slurm_id in outcome.ids.items()}
    alone = array[killed.signature]
    assert [s for s in array if array[s] == alone] == [killed.signature]
    assert calls[alone]["mem"] == f"{2 * base}GB"
    marker = JobFolder.of(tmp_path, killed).read("submitted")
    assert marker["resources"]["mem_gb"] == 2 * base
    assert f"asks {2 * base:g} GB" in marker["ask_reason"]
    others = [j for j in train.jobs if j is not killed]
    assert all(calls[array[j.signature]]["mem"] == f"{base}GB" for j in others)
