"""Array planning (grid/executors/arrays.py) and waves (grid/executors/waves.py): pure
functions of the DAG, checked on hand-made DAGs and on the demo sweep's."""

from __future__ import annotations

import pytest

import grid
from grid.executors.arrays import (
    AFTERCORR,
    ARRAY,
    MAX_TASK_IDS,
    TASKS,
    ArrayPlan,
    Dependency,
    dependency_option,
    plan_arrays,
)
from grid.executors.waves import cut_waves
from grid.job import Job
from grid.plan import Group
from tests import grid_toy_stages as toy


def encodes(n: int) -> tuple[list[Job], Job]:
    """``n`` training-set encodes and the clean test split's."""
    train = [Job("encode", {"level": k, "split": "train"}, label=f"e{k}") for k in range(n)]
    return train, Job("encode", {"split": "test"}, label="test")


def training(data: Job, test: Job, seed: int) -> Job:
    inputs = {"train_data": (data.signature,), "test_clean": (test.signature,)}
    return Job("train", {"seed": seed}, inputs, label=f"{data.label} seed {seed}")


def slots(arrays: list[ArrayPlan]) -> dict[str, tuple[int, int]]:
    return {
        j.signature: (a, t)
        for a, arr in enumerate(arrays)
        for t, task in enumerate(arr.tasks)
        for j in task
    }


def covered(arrays: list[ArrayPlan], job: Job, dep: str) -> bool:
    """Does ``job``'s array wait for the task holding its input ``dep``?"""
    at = slots(arrays)
    (a, t), (ua, ut) = at[job.signature], at[dep]
    for d in arrays[a].dependencies:
        if d.array == ua and (
            d.kind == ARRAY or (d.kind == AFTERCORR and ut == t) or ut in d.tasks
        ):
            return True
    return False


def test_trainings_line_up_with_their_encodes_one_array_per_seed() -> None:
    data, test = encodes(5)
    trains = [training(e, test, seed) for seed in range(3) for e in reversed(data)]
    groups = [Group("encode", 0, (test, *data)), Group("train", 0, tuple(trains))]
    arrays = plan_arrays(groups, {}, 1000, {})
    assert [(a.stage, len(a.tasks)) for a in arrays] == [
        ("encode", 1),  # the test split, read by every training
        ("encode", 5),  # the training sets, laid out apart from it
        *[("train", 5)] * 3,  # one array per seed
    ]
    for a in arrays[2:]:
        assert a.dependencies == (Dependency(ARRAY, 0), Dependency(AFTERCORR, 1))
        assert [task[0].inputs["train_data"] for task in a.tasks] == [(e.signature,) for e in data]
    assert dependency_option(arrays[2].dependencies, ["7", "8"]) == "afterany:7,aftercorr:8"


def test_a_subset_of_an_array_is_waited_for_task_by_task() -> None:
    data, test = encodes(6)
    late = [training(e, test, 0) for e in data[4:]]  # reads tasks 4 and 5 only
    early = [training(e, test, 0) for e in data[:4]]  # in a later group: tasks 0-3
    groups = [
        Group("encode", 0, (*data, test)),
        Group("train", 0, tuple(late)),
        Group("train", 1, tuple(early)),
    ]
    arrays = plan_arrays(groups, {}, 1000, {})
    assert arrays[0].stage == "encode" and len(arrays[0].tasks) == 6
    assert Dependency(TASKS, 0, (4, 5)) in arrays[2].dependencies
    assert Dependency(AFTERCORR, 0) in arrays[3].dependencies
    assert arrays[2].dependency_kind == "mixed"  # and the whole (one-task) test-split array
    assert all(covered(arrays, j, d) for j in late + early for d in j.dependencies)


def test_packed_tasks_wait_for_task_lists_not_aftercorr() -> None:
    data, test = encodes(6)
    trains = [training(e, test, 0) for e in data]
    groups = [Group("encode", 0, (*data, test)), Group("train", 0, tuple(trains))]
    arrays = plan_arrays(groups, {}, 1000, {"encode": 2})
    assert [len(a.tasks) for a in arrays] == [4, 6]  # 7 encodes packed by 2; 6 trainings
    assert arrays[1].dependencies == (Dependency(ARRAY, 0),)  # reads every task of it
    assert all(covered(arrays, j, d) for j in trains for d in j.dependencies)


def test_a_job_reading_many_tasks_waits_for_the_whole_array() -> None:
    data, _ = encodes(MAX_TASK_IDS + 2)
    many = Job("report", {}, {"all": tuple(e.signature for e in data[1:])})
    one = Job("report", {"other": 1}, {"all": (data[0].signature,)})
    groups = [
        Group("encode", 0, tuple(data)),
        Group("report", 0, (many,)),
        Group("report", 1, (one,)),
    ]
    arrays = plan_arrays(groups, {}, 1000, {})
    assert len(arrays[0].tasks) == len(data)  # many reads all tasks but one
    assert arrays[1].dependencies == (Dependency(ARRAY, 0),)
    assert arrays[2].dependencies == (Dependency(TASKS, 0, (0,)),)


def test_jobs_queued_by_an_earlier_launch_are_waited_for_by_task_id() -> None:
    data, test = encodes(3)
    trains = tuple(training(e, test, 0) for e in data)
    pending = {data[0].signature: "500_4", data[2].signature: "500_7", test.signature: "499"}
    arrays = plan_arrays([Group("train", 0, trains)], pending, 1000, {})
    assert [a.dependencies for a in arrays] == [  # data[1] is done: its training waits less
        (Dependency(ARRAY, "499"), Dependency(TASKS, "500", (4, 7))),
        (Dependency(ARRAY, "499"),),
    ]
    joined = plan_arrays([Group("train", 0, trains)], pending, 1000, {}, by_inputs=False)
    assert dependency_option(joined[0].dependencies, []) == "afterany:499:500"  # issue 13
    whole = plan_arrays([Group("train", 0, trains)], pending, 1000, {}, per_task=False)
    assert {d.kind for a in whole for d in a.dependencies} == {ARRAY}


@pytest.mark.parametrize("pack", [{}, {"encode": 8, "evaluate": 16, "check-codec": 4}])
def test_every_job_of_the_demo_waits_for_each_of_its_inputs_and_no_other_array(pack) -> None:
    the_plan = grid.plan("demo_cifar", ["seeds=3", *toy.NO_FUTURE_CODECS])
    arrays = plan_arrays(the_plan.groups(), {}, 7, pack)
    at = slots(arrays)
    for job in the_plan.jobs:
        assert all(covered(arrays, job, d) for d in job.dependencies), job.label
        reads = {at[d][0] for j in arrays[at[job.signature][0]].jobs for d in j.dependencies}
        assert set(arrays[at[job.signature][0]].after) == reads
    assert max(len(a.tasks) for a in arrays) <= 7
    if not pack:  # unpacked, the demo uses every kind
        assert {d.kind for a in arrays for d in a.dependencies} == {AFTERCORR, TASKS, ARRAY}


def test_waves_are_prefixes_of_whole_arrays_that_fit_the_room() -> None:
    assert cut_waves([3, 4, 2, 5], room=5, limit=7) == [range(0, 1), range(1, 3), range(3, 4)]
    assert cut_waves([3, 4], room=2, limit=7) == [range(0, 0), range(0, 2)]
    assert cut_waves([3, 4], room=0, limit=0) == [range(0, 2)]  # no limit: one wave
    with pytest.raises(ValueError, match="exceeds max_submit_jobs=3"):
        cut_waves([4], room=3, limit=3)
