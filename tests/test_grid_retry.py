"""The retry policy (grid/retry.py): the next attempt's resources follow why the last failed."""

from __future__ import annotations

import pytest

from grid.profiles import Resources
from grid.retry import next_attempt, ran_with

BASE = Resources(cpus=2, mem_gb=4, gpus=0, time_min=60)
CAPS = {"max_mem_gb": 16, "max_time_min": 240}


def failed(cls: str | None, **resources: float) -> dict:
    record = {"error": "x", "time": "t"}
    if cls:
        record["failure_class"] = cls
    if resources:
        record["resources"] = resources
    return record


def test_out_of_memory_doubles_the_last_attempts_memory_up_to_the_cap() -> None:
    first = next_attempt([failed("out_of_memory")], BASE, **CAPS)
    assert first.resources == Resources(cpus=2, mem_gb=8, gpus=0, time_min=60)
    assert first.reason == "out_of_memory with 4 GB: the next attempt asks 8 GB"
    assert not first.fails_again
    history = [failed("out_of_memory", mem_gb=4.0), failed("out_of_memory", mem_gb=12.0)]
    capped = next_attempt(history, BASE, **CAPS)
    assert capped.resources.mem_gb == 16 and "(the cap max_mem_gb)" in capped.reason
    at_cap = next_attempt([*history, failed("out_of_memory", mem_gb=16.0)], BASE, **CAPS)
    assert at_cap.resources.mem_gb == 16 and at_cap.fails_again
    assert "already at the cap max_mem_gb=16: it will fail again" in at_cap.reason


def test_timeout_doubles_the_time_limit_up_to_the_cap_and_resumes() -> None:
    nxt = next_attempt([failed("timeout", time_min=60.0, cpus=1.0)], BASE, **CAPS)
    assert nxt.resources == Resources(cpus=1, mem_gb=4, gpus=0, time_min=120)
    assert nxt.resumes and "resumes from its checkpoint" in nxt.reason
    capped = next_attempt([failed("timeout", time_min=200.0)], BASE, **CAPS)
    assert capped.resources.time_min == 240 and isinstance(capped.resources.time_min, int)
    again = next_attempt([failed("timeout", time_min=240.0)], BASE, **CAPS)
    assert again.fails_again and again.resources.time_min == 240


@pytest.mark.parametrize("cls", ["preempted", "node_fail"])
def test_preemption_and_node_failure_requeue_with_the_same_resources(cls: str) -> None:
    nxt = next_attempt([failed(cls, mem_gb=8.0, time_min=60.0)], BASE, **CAPS)
    assert nxt.resources == Resources(cpus=2, mem_gb=8, gpus=0, time_min=60)
    assert nxt.resumes and nxt.reason.startswith(f"{cls}: requeued with the same resources")


def test_an_exception_or_a_cancel_keeps_the_resources_it_had() -> None:
    grown = failed("out_of_memory", mem_gb=4.0)
    nxt = next_attempt([grown, failed("timeout", mem_gb=8.0), failed(None)], BASE, **CAPS)
    assert nxt.resources.mem_gb == 8  # the newest attempt that recorded its resources
    assert nxt.reason.startswith("exception: the same resources; retries=N")
    cancelled = next_attempt([failed("cancelled")], BASE, **CAPS)
    assert cancelled.resources == BASE and cancelled.reason.startswith("cancelled: rerun")


def test_no_history_is_the_base_and_bad_caps_are_one_line_errors() -> None:
    assert next_attempt([], BASE, **CAPS).resources == BASE
    assert ran_with([failed(None)], BASE) == BASE
    with pytest.raises(ValueError, match="max_mem_gb=0, max_time_min=240 are not valid"):
        next_attempt([], BASE, max_mem_gb=0, max_time_min=240)
