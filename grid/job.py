"""A planned job: what to run (stage + resolved config), what it reads, and its signature."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grid.stage_table import stage_version


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal configs give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def signature_of(
    stage: str, config: Mapping[str, Any], inputs: Mapping[str, tuple[str, ...]]
) -> str:
    """A short stable hash (12 hex digits) of a job's stage, the stage's version
    (:data:`grid.stage_table.STAGE_VERSIONS`), resolved config and input signatures.

    Only what the stage reads goes into ``config``, so a default of another stage never rehashes
    this job; inputs enter by signature, so a change upstream rehashes everything downstream;
    bumping a stage's version rehashes its jobs and, through their inputs, everything downstream.
    """
    payload = canonical_json(
        {"stage": stage, "version": stage_version(stage), "config": config, "inputs": inputs}
    )
    return hashlib.sha1(payload.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Job:
    """One unit of work in a sweep's DAG.

    ``inputs`` maps a role (e.g. ``"train_data"``) to the signatures of the jobs whose outputs
    fill it, in a fixed order. ``label`` is a short human description for tables and logs.
    """

    stage: str
    config: Mapping[str, Any]
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    label: str = ""
    signature: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "signature", signature_of(self.stage, self.config, self.inputs))

    @property
    def dependencies(self) -> tuple[str, ...]:
        """Signatures of every job this one reads, without repeats, in role order."""
        return tuple(dict.fromkeys(sig for sigs in self.inputs.values() for sig in sigs))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (written as the job folder's ``job.json``)."""
        return {
            "stage": self.stage,
            "signature": self.signature,
            "label": self.label,
            "config": self.config,
            "inputs": {k: list(v) for k, v in self.inputs.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Job:
        """Inverse of :meth:`to_dict`; checks the stored signature still matches."""
        job = cls(
            stage=data["stage"],
            config=data["config"],
            inputs={k: tuple(v) for k, v in data["inputs"].items()},
            label=data.get("label", ""),
        )
        if "signature" in data and data["signature"] != job.signature:
            raise ValueError(
                f"job.json signature {data['signature']} != recomputed {job.signature}"
            )
        return job
