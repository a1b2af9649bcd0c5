"""Stand-in ``squeue`` and ``sacct`` scripts for tests: each call appends its name and
arguments to a calls file; ``squeue`` prints the lines of ``queue.txt`` (``<id> <state>``)
and ``sacct`` the lines of ``sacct.txt`` (``sacct -P -n`` rows); either fails, with
Slurm's own words, while its ``.fail`` file exists."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """#!/bin/sh
echo "{name} $*" >> {calls}
if [ -e {fail} ]; then
  echo "{name}: error: Unable to contact slurm controller (connect failure)" >&2
  exit 1
fi
cat {answer}
"""


@dataclass
class FakeScheduler:
    """The files behind the stand-in scripts (see the module docstring)."""

    folder: Path

    @property
    def calls(self) -> list[str]:
        path = self.folder / "calls.txt"
        return path.read_text().splitlines() if path.exists() else []

    def count(self, name: str) -> int:
        return sum(line.split()[0] == name for line in self.calls)

    def queue(self, states: dict[str, str]) -> None:
        """What squeue lists: id -> state."""
        text = "".join(f"{i} {s}\n" for i, s in states.items())
        (self.folder / "queue.txt").write_text(text)

    def accounting(self, rows: list[str]) -> None:
        """What sacct prints: ``JobID|State|ExitCode|Reason|Elapsed|TotalCPU|MaxRSS|AllocTRES
        |NodeList|Timelimit`` rows."""
        (self.folder / "sacct.txt").write_text("".join(f"{r}\n" for r in rows))

    def fail(self, name: str, failing: bool = True) -> None:
        flag = self.folder / f"{name}.fail"
        if failing:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)


def install(tmp_path: Path, monkeypatch) -> FakeScheduler:
    """Put the stand-in squeue and sacct first on PATH; an empty queue and accounting."""
    folder = tmp_path / "fake-slurm"
    folder.mkdir()
    fake = FakeScheduler(folder)
    fake.queue({})
    fake.accounting([])
    for name, answer in (("squeue", "queue.txt"), ("sacct", "sacct.txt")):
        script = folder / name
        script.write_text(
            SCRIPT.format(
                name=name,
                calls=folder / "calls.txt",
                fail=folder / f"{name}.fail",
                answer=folder / answer,
            )
        )
        script.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    return fake
