"""Shared fixtures: small real image folders cut from ``../shared/data`` (skipped when absent,
except under CI, ``CI=true``, where the absence fails the tests that need them)."""

from __future__ import annotations

import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    """Two groups for ``make test`` (``-n 2 --dist loadgroup``): the real-Slurm tests, which
    mostly wait on the scheduler, in one worker; every other test, in order, in the other.
    Only the waiting overlaps: the tests written for a quiet machine still run one at a time."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        group = "slurm" if item.get_closest_marker("slurm") else "machine"
        item.add_marker(pytest.mark.xdist_group(group))


def _extract_some(archive: Path, dest: Path, keep) -> None:
    """Stream ``archive`` once and extract the members for which ``keep(name)`` is true."""
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isfile() and keep(member.name):
                tar.extract(member, dest, filter="data")


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository; skips the test when it is absent, and fails
    it under CI (``CI=true``), where a silent skip would hide that no real data was read."""
    if not SHARED_DATA.is_dir():
        reason = f"real data folder {SHARED_DATA} is absent"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI the real-data tests must run, not skip")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def cifar10_folder(shared_data_dir: Path, tmp_path_factory) -> Path:
    """Image-folder CIFAR-10 with 30 train and 20 test images per class (real JPEGs).

    Layout: ``<root>/{train,test}/<class>/NNNN.jpg``; returns ``<root>``.
    """
    dest = tmp_path_factory.mktemp("cifar10")
    per_split = {"train": 30, "test": 20}
    pattern = re.compile(r"cifar10-jpeg75/(train|test)/[^/]+/(\d+)\.jpg$")

    def keep(name: str) -> bool:
        m = pattern.match(name)
        return bool(m) and int(m.group(2)) < per_split[m.group(1)]

    _extract_some(shared_data_dir / "cifar10-jpeg75.tar.gz", dest, keep)
    return dest / "cifar10-jpeg75"


@pytest.fixture(scope="session")
def tinyimagenet_folder(shared_data_dir: Path, tmp_path_factory) -> Path:
    """Official ``tiny-imagenet-200/`` layout with 3 train images per class and 400 val images.

    ``val/val_annotations.txt`` is kept whole (it lists all 10,000 val images); only the first
    400 val image files are extracted, so loaders must read what is listed *and* present, or a
    test trims the annotations itself.
    """
    dest = tmp_path_factory.mktemp("tiny")
    train = re.compile(r"tiny-imagenet-200/train/(n\d+)/images/n\d+_(\d+)\.JPEG$")
    val = re.compile(r"tiny-imagenet-200/val/images/val_(\d+)\.JPEG$")

    def keep(name: str) -> bool:
        if name.endswith(("wnids.txt", "words.txt", "val_annotations.txt")):
            return True
        if m := train.match(name):
            return int(m.group(2)) < 3
        if m := val.match(name):
            return int(m.group(1)) < 400
        return False

    _extract_some(shared_data_dir / "tiny-imagenet-200-subset.tar.gz", dest, keep)
    return dest / "tiny-imagenet-200"


@pytest.fixture(scope="session")
def real_images(cifar10_folder: Path) -> np.ndarray:
    """200 real CIFAR-10 test images as uint8 ``(200, 32, 32, 3)``, classes interleaved."""
    from PIL import Image

    files = sorted((cifar10_folder / "test").glob("*/*.jpg"), key=lambda p: (p.stem, p.parent.name))
    return np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files[:200]])


@pytest.fixture
def one_torch_thread():
    """One intra-op torch thread for the test (two spinning threads are far slower when
    another process shares the 2 cores, e.g. Slurm jobs or a second test run)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
