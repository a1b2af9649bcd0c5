"""Provenance values, not only columns: a small real sweep (demo_cifar shrunk to a few
seconds of work per stage, real stages, fake executor, synthetic data) stamps every row of
every table with the suite's git commit, the installed package versions, the host, the
device and a start no later than its finish, inside the launch's time window."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from analysis.load import ON_DEMAND, load
from grid.code import PACKAGES
from grid.launch import launch
from grid.store.schemas import TABLES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

REPO = Path(__file__).resolve().parents[1]

SMALL_REAL = [
    "sweep=demo_cifar",
    "executor=fake",
    "seeds=1",
    "epochs=1",
    "data.train_limit=60",
    "data.test_limit=30",
    "fit.epochs=1",
    "fit.max_steps_per_epoch=3",
    "gate.images=10",
    "codecs.jpeg=[10,40]",  # two levels: a contrastive pair
    "codecs.bls=[0.1]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "corruptions=[gaussian_noise,fog]",
    "severities=[1,2]",
    "select.top_k=1",
    "select.joined=[]",
    "gabor.enabled=true",  # every table gets rows (gabor_response: thesis §6.2, future work)
    "gabor.images=10",
    "saliency.enabled=true",  # saliency: thesis §6.2, future work (JPEG q10 is encoded)
    "saliency.images=10",
    "saliency.samples=2",
    "contrastive.enabled=true",  # contrastive_curve rows (thesis §6.3, future work)
    "contrastive.pairs=[jpeg:10+40]",
    "contrastive.epochs=1",
    "contrastive.batch_size=16",
]


def git_commit_of_checkout() -> str:
    """HEAD of this checkout, with ``-dirty`` when ``git status`` lists a change to the
    suite's packages (untracked files included): asked of git here, not of grid.code."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True)
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all", "--", *PACKAGES],
        capture_output=True,
        text=True,
    )
    assert re.fullmatch(r"[0-9a-f]{40}", head.stdout.strip()), head
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def fingerprint_of_checkout(versions: dict[str, str | None]) -> str:
    """The fingerprint as grid/code.py's docstring defines it, recomputed from the files on
    disk: the first 12 hex digits of the sha1 of the JSON of [every package file (caches
    left out) as [path, sha1 of its bytes], sorted; the package ``versions``]."""
    files = sorted(
        [path.relative_to(REPO).as_posix(), hashlib.sha1(path.read_bytes()).hexdigest()]
        for package in PACKAGES
        for path in (REPO / package).rglob("*")
        if path.is_file() and path.suffix != ".pyc" and "__pycache__" not in path.parts
    )
    body = json.dumps([files, versions], sort_keys=True)
    return hashlib.sha1(body.encode()).hexdigest()[:12]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> tuple[dict[str, pd.DataFrame], datetime, datetime]:
    results = tmp_path_factory.mktemp("results")
    before = datetime.now(UTC)
    outcome = launch([*SMALL_REAL, f"results={results}"])
    after = datetime.now(UTC)
    assert outcome is not None and not outcome.failed, outcome and outcome.failed
    loaded = load(Path(results) / "demo_cifar")
    return loaded.tables | {t: loaded.read(t) for t in ON_DEMAND}, before, after


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_row_carries_commit_versions_host_and_ordered_times(real_run, table) -> None:
    tables, before, after = real_run
    rows = tables[table]
    assert len(rows), f"the small sweep wrote no {table} rows; the check would be empty"
    assert (rows["git_commit"].astype(str) == git_commit_of_checkout()).all()
    (versions,) = rows["package_versions"].astype(str).unique()
    parsed = json.loads(versions)
    for package in ("torch", "numpy", "pandas", "pyarrow", "compressai"):
        assert parsed[package] == metadata.version(package)
    assert (rows["code"].astype(str) == fingerprint_of_checkout(parsed)).all()
    assert (rows["host"].astype(str) == socket.gethostname()).all()
    assert rows["device"].notna().all() and (rows["sweep"].astype(str) == "demo_cifar").all()
    assert rows["signature"].str.fullmatch(r"[0-9a-f]{12}").all()
    assert rows["started_at"].notna().all() and rows["finished_at"].notna().all()
    assert (rows["started_at"] <= rows["finished_at"]).all()
    assert (rows["started_at"] >= before).all() and (rows["finished_at"] <= after).all()


def test_trainings_took_time_between_start_and_finish(real_run) -> None:
    """A start equal to the finish everywhere would pass ``<=``; a training takes time."""
    rows = real_run[0]["train_curve"]
    assert (rows["started_at"] < rows["finished_at"]).all()
