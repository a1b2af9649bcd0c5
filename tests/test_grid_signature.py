"""Signatures: stable across runs and processes, changed only by what a job reads."""

import json
import subprocess
import sys

import grid
from grid import settings as grid_settings


def signatures(sweep: str = "demo") -> dict[str, str]:
    return {job.label + "|" + job.stage: job.signature for job in grid.plan(sweep).jobs}


def test_same_config_same_signature_across_processes() -> None:
    code = (
        "import json, grid; "
        "print(json.dumps({j.label + '|' + j.stage: j.signature for j in grid.plan('demo').jobs}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == signatures()


def test_signature_is_short_hex() -> None:
    for sig in signatures().values():
        assert len(sig) == 12 and int(sig, 16) >= 0


def test_training_default_does_not_rehash_encodes(monkeypatch) -> None:
    before = grid.plan("demo").jobs
    monkeypatch.setitem(
        grid_settings.DEFAULTS, "train", {**grid_settings.DEFAULTS["train"], "momentum": 0.5}
    )
    after = grid.plan("demo").jobs
    # demo parts do not set momentum, so only train and what reads it rehash (a task-aware
    # codec's fit reads a trained classifier, so it and its encodes are downstream of train)
    upstream = {"fit-codec", "encode", "prepare-cifar10c"}
    reads_train = {j.signature for j in before if j.stage == "train"}
    for job in before:  # upstream first
        if set(job.dependencies) & reads_train:
            reads_train.add(job.signature)
    same = {j.signature for j in before} & {j.signature for j in after}
    kept = {j.signature for j in before if j.stage in upstream} - reads_train
    assert kept and kept <= same
    assert not reads_train & same
    assert not any(j.signature in same for j in before if j.stage in {"train", "evaluate"})
