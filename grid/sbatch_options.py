"""The sbatch options a cluster profile's ``[sbatch]`` tables may name (grid/profiles.py).

:data:`SBATCH_OPTIONS` are the long options of ``sbatch`` (Slurm 22.05, ``man sbatch``) that
a job script may carry as ``#SBATCH --name=value``. :data:`SET_BY_SUITE` are those the suite
sets itself, each with the profile key to use instead, and :data:`SWITCHES` sbatch's
command-line switches, which are no job options; :func:`check_sbatch` refuses both in one
line.
"""

from __future__ import annotations

from typing import Any

from grid.cli import SettingsError
from grid.suggest import unknown

SBATCH_OPTIONS = (
    "account",
    "acctg-freq",
    "array",
    "batch",
    "bb",
    "bbf",
    "begin",
    "chdir",
    "cluster-constraint",
    "clusters",
    "comment",
    "constraint",
    "container",
    "contiguous",
    "core-spec",
    "cores-per-socket",
    "cpu-freq",
    "cpus-per-gpu",
    "cpus-per-task",
    "deadline",
    "delay-boot",
    "dependency",
    "distribution",
    "error",
    "exclude",
    "exclusive",
    "export",
    "export-file",
    "extra-node-info",
    "get-user-env",
    "gid",
    "gpu-bind",
    "gpu-freq",
    "gpus",
    "gpus-per-node",
    "gpus-per-socket",
    "gpus-per-task",
    "gres",
    "gres-flags",
    "hint",
    "hold",
    "ignore-pbs",
    "input",
    "job-name",
    "kill-on-invalid-dep",
    "licenses",
    "mail-type",
    "mail-user",
    "mcs-label",
    "mem",
    "mem-bind",
    "mem-per-cpu",
    "mem-per-gpu",
    "mincpus",
    "network",
    "nice",
    "no-kill",
    "no-requeue",
    "nodefile",
    "nodelist",
    "nodes",
    "ntasks",
    "ntasks-per-core",
    "ntasks-per-gpu",
    "ntasks-per-node",
    "ntasks-per-socket",
    "open-mode",
    "output",
    "overcommit",
    "oversubscribe",
    "partition",
    "power",
    "prefer",
    "priority",
    "profile",
    "propagate",
    "qos",
    "reboot",
    "requeue",
    "reservation",
    "signal",
    "sockets-per-node",
    "spread-job",
    "switches",
    "thread-spec",
    "threads-per-core",
    "time",
    "time-min",
    "tmp",
    "uid",
    "use-min-nodes",
    "wait-all-nodes",
    "wckey",
)

_EXECUTOR = "grid/executors/slurm.py sets it"
_RESOURCE = "use the profile key {} in [resources.<class>] or [stages.<stage>]"
_PLACED = "use the profile key {} (top level, [resources.<class>] or [stages.<stage>])"
# Option -> what sets it instead (a profile key, or the executor itself).
SET_BY_SUITE = {
    "array": "use the profile keys max_array_size and array_parallelism",
    "dependency": f"{_EXECUTOR}: each array waits for the arrays whose jobs it reads",
    "comment": f"{_EXECUTOR}: the launch intent's token (grid/store/intents.py)",
    "output": f"{_EXECUTOR}: submitit's logs under results/_logs/<sweep>/slurm",
    "error": f"{_EXECUTOR}: submitit's logs under results/_logs/<sweep>/slurm",
    "open-mode": f"{_EXECUTOR}: submitit appends to its logs across requeues",
    "job-name": f"{_EXECUTOR}: lcc-<sweep>-<stage>",
    "signal": "use the profile key signal_delay_s",
    "time": _RESOURCE.format("time_min"),
    "mem": _RESOURCE.format("mem_gb"),
    "mem-per-cpu": _RESOURCE.format("mem_gb") + " (sbatch refuses it beside --mem)",
    "mem-per-gpu": _RESOURCE.format("mem_gb") + " (sbatch refuses it beside --mem)",
    "cpus-per-task": _RESOURCE.format("cpus"),
    "gpus-per-node": _RESOURCE.format("gpus"),
    **{key: _PLACED.format(key) for key in ("partition", "account", "qos")},
}
# sbatch's own command-line switches: they change what sbatch does, not the job.
SWITCHES = ("help", "usage", "version", "parsable", "test-only", "wrap", "wait", "quiet", "verbose")


def check_sbatch(where: str, options: Any) -> dict[str, str | int | bool]:
    """``options`` (an ``[sbatch]`` table: sbatch long option name -> value) checked: each
    name a job option of :data:`SBATCH_OPTIONS` not in :data:`SET_BY_SUITE`, each value a
    string, an integer or ``true`` (the bare flag, e.g. ``exclusive = true``); ``""`` drops
    an option a less specific table set. A one-line :class:`SettingsError` otherwise."""
    if not isinstance(options, dict):
        raise SettingsError(f"{where} must be a table of sbatch options, got {options!r}")
    for name, value in options.items():
        if name in SET_BY_SUITE:
            why = SET_BY_SUITE[name]
            raise SettingsError(f"sbatch option {name!r} in {where} is set by the suite; {why}")
        if name in SWITCHES:
            raise SettingsError(
                f"{name!r} in {where} is a command-line switch of sbatch, not a job option"
            )
        if name not in SBATCH_OPTIONS:
            valid = [n for n in SBATCH_OPTIONS if n not in SET_BY_SUITE]
            raise unknown("sbatch option", name, valid, where=where, pointer="man sbatch")
        if value is False or not isinstance(value, str | int):
            raise SettingsError(
                f"sbatch option {name!r} in {where} must be a string, a whole number or true "
                f"(the bare flag), got {value!r}"
            )
    return dict(options)
