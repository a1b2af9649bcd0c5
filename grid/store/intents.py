"""Array intents: what a launcher is about to ``sbatch``, recorded before it does.

A launcher killed between Slurm accepting an array and writing its jobs' ``submitted``
markers would leave those jobs looking new, and the next launch would queue them twice. So
before each array's ``sbatch`` the Slurm executor writes, durably, an intent:
``<results>/_intents/<token>.json`` (this module alone spells out that path) holding the
sweep, the stage, the array's tasks (each a list of job stage + signature, in task order),
the time, host and pid, and a unique token that also goes to Slurm with the array
(``--comment=lcc:<token>``). Its ``state`` is then

- ``open``: written, no answer yet (sbatch in flight, or the launcher died meanwhile);
- ``queued``: the receipt: sbatch answered (or squeue showed the token) with ``array_id``;
  the jobs' ``submitted`` markers are written after it. An intent with a receipt is done with;
- ``void``: nothing was queued (sbatch refused; the scheduler answered and holds no job with
  the token; or ``resolve=resubmit`` said so), with the ``reason``.

:func:`settle` reconciles every open intent by asking ``squeue`` once: the token found means
Slurm holds the array, which is adopted (receipt and markers with the array id found); the
token absent means nothing was queued (void); no answer leaves the intent open and its jobs
**uncertain**: a launch stops on them (grid/launch.py) and status shows them.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grid.job import Job
from grid.store.files import atomic_write_json
from grid.store.folder import JobFolder
from grid.store.scheduler import queued_comments
from grid.store.state import now_iso

FOLDER = "_intents"  # in the results root
OPEN, QUEUED, VOID = "open", "queued", "void"
COMMENT_PREFIX = "lcc:"  # the Slurm comment is this prefix and the token


@dataclass
class Intent:
    """The intent record ``token`` under results root ``root``; ``record`` is its JSON."""

    root: Path
    record: dict[str, Any]

    @classmethod
    def new(cls, root: Path, sweep: str, stage: str, tasks: Sequence[Sequence[Job]]) -> Intent:
        """Write (durably) the intent of one array of ``tasks`` and return it."""
        record = {
            "token": uuid.uuid4().hex[:16],
            "sweep": sweep,
            "stage": stage,
            "tasks": [[{"stage": j.stage, "signature": j.signature} for j in t] for t in tasks],
            "time": now_iso(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "state": OPEN,
        }
        intent = cls(Path(root), record)
        intent._save()
        return intent

    @property
    def token(self) -> str:
        return self.record["token"]

    @property
    def comment(self) -> str:
        """The Slurm comment that carries the token (``sbatch --comment``)."""
        return COMMENT_PREFIX + self.token

    @property
    def state(self) -> str:
        return self.record["state"]

    @property
    def signatures(self) -> set[str]:
        return {job["signature"] for task in self.record["tasks"] for job in task}

    @property
    def jobs(self) -> int:
        return len(self.signatures)

    def _save(self) -> None:
        atomic_write_json(_path(self.root, self.token), self.record, durable=True)

    def adopt(self, array_id: str, **fields: Any) -> dict[str, str]:
        """Record the receipt (``array_id``), then each job's ``submitted`` marker naming its
        task (``<array>_<task>``; a one-task array is the plain job ``<array>``), its
        position and its task's size, plus ``fields``. A job whose marker already names this
        array (it started meanwhile) keeps its markers. Returns signature -> Slurm id."""
        self.record.update(state=QUEUED, array_id=array_id, receipt_time=now_iso())
        self._save()
        tasks = self.record["tasks"]
        ids: dict[str, str] = {}
        for index, task in enumerate(tasks):
            slurm_id = f"{array_id}_{index}" if len(tasks) > 1 else array_id
            for position, job in enumerate(task):
                ids[job["signature"]] = slurm_id
                folder = JobFolder.of(self.root, job)
                if (folder.scheduler_id() or "").split("_")[0] == array_id:
                    continue
                folder.mark_submitted(
                    executor="slurm",
                    slurm_job_id=slurm_id,
                    task_position=position,
                    task_jobs=len(task),
                    intent=self.token,
                    **fields,
                )
        return ids

    def void(self, reason: str) -> None:
        """Record that nothing of this array was queued, and why."""
        self.record.update(state=VOID, reason=reason, void_time=now_iso())
        self._save()

    def describe(self) -> str:
        """``6 train jobs (array intent <token>, <time>, pid <pid> on <host>)``."""
        r = self.record
        return (
            f"{self.jobs} {r['stage']} jobs (array intent {self.token}, {r['time']}, "
            f"pid {r['pid']} on {r['host']})"
        )


def _path(root: Path, token: str) -> Path:
    return Path(root) / FOLDER / f"{token}.json"


def read_intents(root: Path) -> list[Intent]:
    """Every intent record under ``root``, oldest first (unreadable ones skipped)."""
    out = []
    for path in sorted((Path(root) / FOLDER).glob("*.json")):
        try:
            out.append(Intent(Path(root), json.loads(path.read_text())))
        except (OSError, json.JSONDecodeError):
            continue
    return sorted(out, key=lambda i: i.record.get("time", ""))


def open_intents(root: Path) -> list[Intent]:
    """The intents without a receipt and not void."""
    return [i for i in read_intents(root) if i.state == OPEN]


@dataclass
class Settled:
    """What :func:`settle` did: intents adopted, voided, and left uncertain."""

    adopted: list[Intent] = field(default_factory=list)
    voided: list[Intent] = field(default_factory=list)
    uncertain: list[Intent] = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per adopted or voided intent (none when nothing was open)."""
        out = [
            f"adopted {i.describe()}: Slurm holds them as {i.record['array_id']}"
            for i in self.adopted
        ]
        out += [f"void {i.describe()}: {i.record['reason']}" for i in self.voided]
        return out


def settle(root: Path, ask: Callable[[], dict[str, str] | None] = queued_comments) -> Settled:
    """Reconcile every open intent under ``root`` with one question to the scheduler
    (``ask``: comment -> array id, None when it does not answer; asked only when an intent is
    open). Call it where no launcher is submitting: under the launch lock."""
    settled = Settled()
    pending = open_intents(root)
    if not pending:
        return settled
    comments = ask()
    for intent in pending:
        if comments is None:
            settled.uncertain.append(intent)
        elif intent.comment in comments:
            intent.adopt(comments[intent.comment], adopted=True)
            settled.adopted.append(intent)
        else:
            intent.void(f"squeue --me holds no job with comment {intent.comment}")
            settled.voided.append(intent)
    return settled


def uncertain_line(intents: Sequence[Intent], sweep: str) -> str:
    """The one line that stops a launch on ``intents`` the scheduler could not confirm."""
    jobs = sum(i.jobs for i in intents)
    tokens = ", ".join(i.token for i in intents)
    return (
        f"{jobs} jobs may already be queued: squeue did not answer about array intents "
        f"{tokens} (their sbatch got no recorded answer); relaunch where squeue works, or, "
        f"if `squeue --me --format='%F %k'` shows no comment {COMMENT_PREFIX}<token>, relaunch "
        f"sweep={sweep} with resolve=resubmit"
    )
