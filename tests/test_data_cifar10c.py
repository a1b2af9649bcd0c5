"""CIFAR-10-C: reading the release layout, generating it, and the prepare-cifar10c stage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lcc.data
from grid.context import JobContext
from grid.job import Job
from grid.stages.prepare_cifar10c import prepare_cifar10c
from grid.stages.registry import get_stage
from lcc.data import corrupt, generate_cifar10c, load, load_cifar10c, write_cifar10c
from lcc.data.corruptions import generation_settings


@pytest.fixture
def release(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A tiny folder in the release layout: 6 test images, 2 corruptions, labels as uint8."""
    rng = np.random.default_rng(0)
    labels = np.array([3, 1, 4, 1, 5, 9], dtype=np.uint8)
    root = tmp_path / "CIFAR-10-C"
    root.mkdir()
    np.save(root / "labels.npy", np.tile(labels, 5))
    stacks = {}
    for name in ("fog", "zoom_blur"):
        stacks[name] = rng.integers(0, 256, (30, 32, 32, 3), dtype=np.uint8)
        np.save(root / f"{name}.npy", stacks[name])
    return root, stacks["fog"], labels


def test_load_release_layout_by_severity_block(release) -> None:
    root, fog, labels = release
    for severity in range(1, 6):
        images, got = load_cifar10c(root, "fog", severity)
        np.testing.assert_array_equal(images, fog[(severity - 1) * 6 : severity * 6])
        assert got.dtype == np.int64 and got.tolist() == labels.tolist()
    images, _ = load_cifar10c(root, "zoom_blur", 2)  # release names beyond the thesis ten
    assert images.shape == (6, 32, 32, 3)


def test_release_bad_inputs(release, tmp_path: Path) -> None:
    root, fog, _ = release
    with pytest.raises(FileNotFoundError, match="folder not found"):
        load_cifar10c(tmp_path / "nope", "fog", 1)
    with pytest.raises(FileNotFoundError, match=r"snow\.npy"):
        load_cifar10c(root, "snow", 1)
    with pytest.raises(KeyError, match="unknown CIFAR-10-C corruption 'haze'"):
        load_cifar10c(root, "haze", 1)
    for severity in (0, 6):
        with pytest.raises(ValueError, match="severity must be an int in 1-5"):
            load_cifar10c(root, "fog", severity)
    np.save(root / "contrast.npy", fog.astype(np.float32))
    with pytest.raises(ValueError, match=r"contrast\.npy: expected uint8 \(5\*N, H, W, 3\)"):
        load_cifar10c(root, "contrast", 1)
    np.save(root / "contrast.npy", fog[..., 0])
    with pytest.raises(ValueError, match="expected uint8"):
        load_cifar10c(root, "contrast", 1)
    np.save(root / "contrast.npy", fog[:25])
    with pytest.raises(ValueError, match=r"has 25 images but labels\.npy has 30"):
        load_cifar10c(root, "contrast", 1)
    (root / "labels.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"labels\.npy"):
        load_cifar10c(root, "fog", 1)


def test_generate_writes_the_release_layout(tmp_path: Path) -> None:
    test = load("synthetic", "test", limit=12)
    out = generate_cifar10c(test.images, test.labels, tmp_path / "c", ("contrast", "snow"), seed=3)
    assert sorted(p.name for p in out.iterdir()) == [
        "contrast.npy",
        "labels.npy",
        "meta.json",
        "snow.npy",
    ]
    stacked = np.load(out / "snow.npy")
    assert stacked.shape == (60, 32, 32, 3) and stacked.dtype == np.uint8
    labels = np.load(out / "labels.npy")
    assert labels.dtype == np.uint8 and labels.tolist() == test.labels.tolist() * 5
    for severity in (1, 4):
        images, got = load_cifar10c(out, "snow", severity)
        np.testing.assert_array_equal(images, corrupt(test.images, "snow", severity, seed=3))
        np.testing.assert_array_equal(got, test.labels)


def test_subset_of_severities_is_recorded_and_enforced(tmp_path: Path) -> None:
    test = load("synthetic", "test", limit=10)
    out = generate_cifar10c(test.images, test.labels, tmp_path / "c", ["fog"], [2, 5], seed=0)
    images, _ = load_cifar10c(out, "fog", 5)
    np.testing.assert_array_equal(images, corrupt(test.images, "fog", 5, seed=0))
    with pytest.raises(ValueError, match=r"holds severities \[2, 5\], not 3"):
        load_cifar10c(out, "fog", 3)
    with pytest.raises(ValueError, match=r"expected uint8 \(2 \* 10, H, W, 3\)"):
        write_cifar10c(out, "fog", test.images, test.labels, [2, 5])
    with pytest.raises(KeyError, match="unknown corruption 'rain'"):
        generate_cifar10c(test.images, test.labels, tmp_path / "d", ["rain"])


def test_prepare_cifar10c_stage(tmp_path: Path) -> None:
    assert get_stage("prepare-cifar10c").tables == ()
    config = {
        "dataset": {"name": "synthetic", "root": None, "limit": 20},
        "corruptions": ["brightness", "frost"],
        "severities": [1, 2, 3, 4, 5],
        "seed": 0,
        "generation": generation_settings(["brightness", "frost"], [1, 2, 3, 4, 5]),
    }
    job = Job(stage="prepare-cifar10c", config=config)
    ctx = JobContext(job=job, results_root=tmp_path, sweep="test")
    assert prepare_cifar10c(ctx) == {}
    root = ctx.workdir / "CIFAR-10-C"
    test = load("synthetic", "test", limit=20)
    for corruption in config["corruptions"]:
        images, labels = lcc.data.load_cifar10c(root, corruption, 5)
        np.testing.assert_array_equal(images, corrupt(test.images, corruption, 5, seed=0))
        np.testing.assert_array_equal(labels, test.labels)
    meta = json.loads((root / "meta.json").read_text())
    assert meta["dataset"] == "synthetic" and meta["synthetic"] is True
    assert meta["fingerprint"] == test.fingerprint and meta["seed"] == 0


def _one_line_naming(error: pytest.ExceptionInfo, path: Path) -> bool:
    message = str(error.value)
    return len(message.splitlines()) == 1 and str(path) in message


@pytest.mark.parametrize("keep", ["part of the pixels", "half the header"])
def test_truncated_release_file_is_one_line_naming_it(release, keep) -> None:
    root, _, _ = release
    path = root / "fog.npy"
    data = path.read_bytes()
    header = len(data) - 30 * 32 * 32 * 3
    path.write_bytes(data[: header + 1000] if keep == "part of the pixels" else data[: header // 2])
    with pytest.raises(ValueError, match=r"not a readable \.npy array") as error:
        load_cifar10c(root, "fog", 1)
    assert _one_line_naming(error, path)


@pytest.mark.parametrize(
    "labels",
    [np.zeros(30, np.float32), np.zeros((30, 1), np.uint8), np.array(["cat"] * 30)],
    ids=["float", "2-D", "strings"],
)
def test_labels_that_are_not_1d_integers_are_one_line_naming_the_file(release, labels) -> None:
    root, _, _ = release
    np.save(root / "labels.npy", labels)
    with pytest.raises(ValueError, match=r"expected integer \(5\*N,\)") as error:
        load_cifar10c(root, "fog", 1)
    assert _one_line_naming(error, root / "labels.npy")


def test_image_count_not_a_multiple_of_five_is_one_line_naming_the_file(release) -> None:
    root, fog, labels = release
    np.save(root / "fog.npy", fog[:28])
    np.save(root / "labels.npy", np.tile(labels, 5)[:28])
    with pytest.raises(ValueError, match=r"has 28 images .* a multiple of 5") as error:
        load_cifar10c(root, "fog", 1)
    assert _one_line_naming(error, root / "fog.npy")


def test_prepare_cifar10c_generates_with_the_parameters_of_its_config(tmp_path: Path) -> None:
    """The corruption parameters and chunk size of the config are what runs: changing one
    changes the images (and, being in the config, the job's signature)."""
    base = {
        "dataset": {"name": "synthetic", "root": None, "limit": 20},
        "corruptions": ["brightness", "snow"],
        "severities": [5],
        "seed": 0,
        "generation": generation_settings(["brightness", "snow"], [5]),
    }
    brighter = json.loads(json.dumps(base))
    brighter["generation"]["params"]["brightness"]["5"] = 0.6
    chunked = json.loads(json.dumps(base))
    chunked["generation"]["chunk"] = 7
    outputs = {}
    for name, config in {"base": base, "brighter": brighter, "chunked": chunked}.items():
        ctx = JobContext(job=Job("prepare-cifar10c", config), results_root=tmp_path, sweep="t")
        prepare_cifar10c(ctx)
        root = ctx.workdir / "CIFAR-10-C"
        outputs[name] = {c: lcc.data.load_cifar10c(root, c, 5)[0] for c in base["corruptions"]}
    assert not np.array_equal(outputs["brighter"]["brightness"], outputs["base"]["brightness"])
    np.testing.assert_array_equal(outputs["brighter"]["snow"], outputs["base"]["snow"])
    assert not np.array_equal(outputs["chunked"]["snow"], outputs["base"]["snow"])  # random
    np.testing.assert_array_equal(outputs["chunked"]["brightness"], outputs["base"]["brightness"])
