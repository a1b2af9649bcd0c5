"""What one job asks the cluster for: its resource class, its resources, and why.

A job's stage names its resource class (``cpu`` or ``gpu``; its declaration's
:meth:`~grid.stages.registry.Declaration.resource_class`, which may depend on the job: a JPEG
encode is ``cpu``, a learned-codec encode ``gpu``); the
cluster profile gives that class's resources for the stage (:meth:`Profile.submission`); and
when the job failed before, the retry policy (grid/retry.py) may change them: twice the
memory after an out-of-memory kill (up to the profile's ``max_mem_gb``), twice the time after
a timeout (up to ``max_time_min``). Jobs asking for different things never share an array
(grid/executors/arrays.py splits on :class:`Ask`), and each job's ``submitted`` marker
records what it asked for, so the next failure is judged against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from grid.job import Job
from grid.profiles import Profile, Resources
from grid.retry import next_attempt
from grid.stages.registry import get_declared


@dataclass(frozen=True)
class Ask:
    """A job's resource class and resources; ``reason`` is the retry policy's line when it
    changed them ("" for the profile's own)."""

    resource_class: str
    resources: Resources
    reason: str = ""

    def marker_fields(self) -> dict[str, Any]:
        """The fields a ``submitted`` marker records (``resources``, and ``ask_reason``
        when the retry policy changed them)."""
        fields: dict[str, Any] = {"resources": asdict(self.resources)}
        if self.reason:
            fields["ask_reason"] = self.reason
        return fields


def ask_of(job: Job, profile: Profile, failures: Sequence[dict[str, Any]] = ()) -> Ask:
    """What ``job`` asks for, given its failed attempts (``JobFolder.failures()``, oldest
    first; none: the profile's resources). An attempt that raised in the stage (class
    ``exception``) changes nothing: ``retries=N`` covers it."""
    resource_class = get_declared(job.stage).resource_class(job.config)
    base = profile.submission(job.stage, resource_class).resources
    if not failures:
        return Ask(resource_class, base)
    caps = profile.max_mem_gb or base.mem_gb, profile.max_time_min
    following = next_attempt(list(failures), base, *caps)
    changed = following.resources != base
    return Ask(resource_class, following.resources, following.reason if changed else "")
