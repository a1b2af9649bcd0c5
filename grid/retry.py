"""What a job's next attempt asks for, from why its attempts failed (docs/SLURM_STATES.md).

A pure policy: :func:`next_attempt` reads the job's failed attempts
(:meth:`grid.store.folder.JobFolder.failures`, oldest first; each with ``failure_class`` when
Slurm ended it, none when the stage raised, and the ``resources`` it ran with when known)
and returns the resources of the next attempt with the reason, one line:

- ``out_of_memory``: twice the memory of the last attempt, at most ``max_mem_gb``; at the cap
  it says the job will fail again;
- ``timeout``: twice the time limit, at most ``max_time_min``; the stage resumes from its
  checkpoint;
- ``preempted``, ``node_fail``: requeued with the same resources, resuming from the checkpoint;
- ``cancelled`` (scancel outside grid.cancel), ``boot_fail``, ``deadline``, ``vanished``: the
  same resources;
- ``exception``: the same resources; ``retries=N`` reruns it as before.

"The same resources" are those of the newest attempt that recorded them, else ``base`` (the
cluster profile's for the stage).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from grid.profiles import Resources
from grid.store.failure_classes import (
    EXCEPTION,
    NODE_FAIL,
    OUT_OF_MEMORY,
    PREEMPTED,
    TIMEOUT,
)

# Resources' fields, and those that are whole numbers (a recorded 4.0 CPUs is 4).
_FIELDS = {f.name: f.type for f in fields(Resources)}
_INTEGER = {name for name, kind in _FIELDS.items() if kind in (int, "int")}


@dataclass(frozen=True)
class NextAttempt:
    """The resources of a job's next attempt, why, and whether it resumes from its
    checkpoint or is expected to fail the same way again (a cap reached)."""

    resources: Resources
    reason: str
    resumes: bool = False
    fails_again: bool = False


def ran_with(history: list[dict[str, Any]], base: Resources) -> Resources:
    """The resources of the newest attempt in ``history`` that recorded them (``cpus``,
    ``mem_gb``, ``gpus``, ``time_min``; those it lacks from ``base``), else ``base``."""
    for record in reversed(history):
        recorded = record.get("resources") or {}
        known = {k: v for k, v in recorded.items() if k in _FIELDS}
        if known:
            return replace(
                base, **{k: round(v) if k in _INTEGER else float(v) for k, v in known.items()}
            )
    return base


def next_attempt(
    history: list[dict[str, Any]], base: Resources, max_mem_gb: float, max_time_min: int
) -> NextAttempt:
    """The next attempt of a job whose failed attempts are ``history`` (oldest first), per the
    module docstring; ``max_mem_gb`` and ``max_time_min``: the cluster's caps (> 0)."""
    if not max_mem_gb > 0 or not max_time_min > 0:
        raise ValueError(
            f"caps max_mem_gb={max_mem_gb!r}, max_time_min={max_time_min!r} are not valid: "
            "both must be > 0"
        )
    if not history:
        return NextAttempt(base, "first attempt: the profile's resources")
    cls = history[-1].get("failure_class", EXCEPTION)
    last = ran_with(history, base)
    if cls == OUT_OF_MEMORY:
        return _doubled(last, "mem_gb", max_mem_gb, "GB", "max_mem_gb", resumes=False)
    if cls == TIMEOUT:
        return _doubled(last, "time_min", max_time_min, "min", "max_time_min", resumes=True)
    if cls in (PREEMPTED, NODE_FAIL):
        return NextAttempt(
            last, f"{cls}: requeued with the same resources; resumes from its checkpoint", True
        )
    if cls == EXCEPTION:
        return NextAttempt(last, f"{EXCEPTION}: the same resources; retries=N reruns it as before")
    return NextAttempt(last, f"{cls}: rerun with the same resources")


def _doubled(
    last: Resources, key: str, cap: float, unit: str, cap_name: str, resumes: bool
) -> NextAttempt:
    """``last`` with ``key`` doubled up to ``cap``, and the reason."""
    cls = OUT_OF_MEMORY if key == "mem_gb" else TIMEOUT
    had = getattr(last, key)
    then = "; resumes from its checkpoint" if resumes else ""
    if had >= cap:
        return NextAttempt(
            last,
            f"{cls} with {had:g} {unit}, already at the cap {cap_name}={cap:g}: it will fail "
            f"again unless the cap is raised{then}",
            resumes,
            fails_again=True,
        )
    wanted = min(2 * had, cap)
    value = round(wanted) if key in _INTEGER else float(wanted)
    capped = f" (the cap {cap_name})" if wanted == cap else ""
    return NextAttempt(
        replace(last, **{key: value}),
        f"{cls} with {had:g} {unit}: the next attempt asks {value:g} {unit}{capped}{then}",
        resumes,
    )
