"""Provenance values, not only columns: a small real sweep (demo_cifar shrunk to a few
seconds of work per stage, real stages, fake executor, synthetic data) stamps every row of
every table with the suite's git commit, the installed package versions, the host, the
device and a start no later than its finish, inside the launch's time window."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from analysis.load import ON_DEMAND, load
from grid.code import current
from grid.launch import launch
from grid.store.schemas import TABLES

pytestmark = pytest.mark.usefixtures("one_torch_thread")

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
    "codecs.jpeg=[10]",
    "codecs.bls=[0.1]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    "corruptions=[gaussian_noise,fog]",
    "severities=[1,2]",
    "select.top_k=1",
    "select.joined=[]",
]


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
    commit = current().git_label
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit)
    assert (rows["git_commit"].astype(str) == commit).all()
    assert (rows["code"].astype(str) == current().fingerprint).all()
    for versions in rows["package_versions"].astype(str).unique():
        parsed = json.loads(versions)
        for package in ("torch", "numpy", "pandas", "pyarrow", "compressai"):
            assert parsed[package] == metadata.version(package)
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
