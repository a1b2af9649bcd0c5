"""What one attempt of a job used, measured in the process that runs it (grid/runner.py).

:class:`AttemptMeter` is started when an attempt starts its stage and read when it ends,
done or failed; :meth:`AttemptMeter.usage` is the ``usage`` record of the attempt's
``done.json`` or ``attempts.jsonl`` line (:data:`USAGE_FIELDS`, the contract
:mod:`grid.usage` reads, shared with the attempts the scheduler killed, whose usage comes
from Slurm's accounting). Reads the kernel's counters only; imports no torch.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass, field

# wall time (s), CPU time of the process and its children (s), peak resident memory (MB, of
# the process or its largest waited-for child), GPU-seconds (wall x GPUs the attempt had).
USAGE_FIELDS = ("wall_s", "cpu_s", "max_rss_mb", "gpu_s")
KIB_PER_MB = 1024  # getrusage's ru_maxrss is in KiB on Linux


def cpu_seconds() -> float:
    """CPU time (user + system, every thread) this process has used so far, in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_seconds() -> float:
    """CPU time (user + system) of this process's children that ended and were waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def max_rss_mb() -> float:
    """Peak resident memory (MB) of this process or of its largest waited-for child since
    the process started (a high-water mark: the kernel resets it for no one)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, child) / KIB_PER_MB


def gpu_count() -> int:
    """GPUs this process was given: the devices of ``CUDA_VISIBLE_DEVICES`` when set (Slurm
    sets it for a job with GPUs), else ``SLURM_GPUS_ON_NODE``, else torch's device count when
    torch is imported already (this never imports it), else 0."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        devices = [d for d in visible.split(",") if d.strip()]
        return 0 if devices[:1] == ["-1"] else len(devices)
    on_node = os.environ.get("SLURM_GPUS_ON_NODE", "")
    if on_node.isdigit():
        return int(on_node)
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return torch.cuda.device_count()
    return 0


@dataclass
class AttemptMeter:
    """Wall and CPU time since :meth:`start`; see the module docstring."""

    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=lambda: cpu_seconds() + children_cpu_seconds())

    @classmethod
    def start(cls) -> AttemptMeter:
        return cls()

    def usage(self) -> dict[str, float]:
        """``{"wall_s", "cpu_s", "max_rss_mb", "gpu_s"}`` of the attempt so far. ``max_rss_mb``
        is the process's peak so far: for a job packed after others in one Slurm task, the
        largest of theirs and its own."""
        wall = time.perf_counter() - self.wall
        cpu = cpu_seconds() + children_cpu_seconds() - self.cpu
        return {
            "wall_s": round(wall, 6),
            "cpu_s": round(cpu, 6),
            "max_rss_mb": round(max_rss_mb(), 1),
            "gpu_s": round(wall * gpu_count(), 6),
        }
