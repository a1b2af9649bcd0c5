"""Plan-time refusals: every bad setting or data folder stops the launcher with one line on
stderr naming the setting, exit status 2, and no job folder written; good folders pass."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from grid import launch
from lcc.data import CORRUPTIONS, write_cifar10c
from lcc.data.check import check_cifar10c, check_root
from lcc.data.cifar10 import BATCH_FILES, CLASSES
from tests import grid_toy_stages as toy

SMALL = ["sweep=demo_cifar", "executor=fake", *toy.SMALL_DEMO, "epochs=1"]
CIFAR = ["datasets=[cifar10]"]
TINY = ["sweep=demo_tiny", "datasets=[tinyimagenet]"]


@pytest.fixture(autouse=True)
def toy_stages(monkeypatch):
    """Test-only stages, so a case that wrongly passes runs in milliseconds (and is counted)."""
    toy.install(monkeypatch, launch)


def image_folders(root: Path, classes=CLASSES, empty=(), splits=("train", "test")) -> Path:
    """``root/{train,test}/<class>/0.png`` (empty files: the check never decodes)."""
    for split in splits:
        for name in classes:
            folder = root / split / name
            folder.mkdir(parents=True)
            if name not in empty:
                (folder / "0.png").write_bytes(b"")
    return root


def batches(root: Path, skip=(), classes=CLASSES) -> Path:
    """The python-batch layout with placeholder batch files and a real batches.meta."""
    root.mkdir(parents=True)
    meta = {b"label_names": [name.encode() for name in classes]}
    (root / "batches.meta").write_bytes(pickle.dumps(meta))
    for name in (*BATCH_FILES["train"], *BATCH_FILES["test"]):
        if name not in skip:
            (root / name).write_bytes(b"batch")
    return root


def tiny(root: Path, classes=200, annotations=True, unknown_id=False, train_images=True) -> Path:
    """The official tiny-imagenet-200/ tree with one placeholder image per class."""
    wnids = [f"n{i:08d}" for i in range(classes)]
    root.mkdir(parents=True)
    (root / "wnids.txt").write_text("\n".join(wnids) + "\n")
    for wnid in wnids:
        (root / "train" / wnid / "images").mkdir(parents=True)
        if train_images:
            (root / "train" / wnid / "images" / f"{wnid}_0.JPEG").write_bytes(b"")
    (root / "val" / "images").mkdir(parents=True)
    (root / "val" / "images" / "val_0.JPEG").write_bytes(b"")
    if annotations:
        wnid = "n99999999" if unknown_id else wnids[0]
        (root / "val" / "val_annotations.txt").write_text(f"val_0.JPEG\t{wnid}\t0\t0\t8\t8\n")
    return root


def release(root: Path, drop=(), n=1, labels=None, dtype=np.uint8) -> Path:
    """A CIFAR-10-C release folder: ``n`` images per severity of every thesis corruption."""
    root.mkdir(parents=True)
    count = 5 * n if labels is None else labels
    np.save(root / "labels.npy", np.zeros(count, np.uint8))
    for corruption in CORRUPTIONS:
        if corruption not in drop:
            np.save(root / f"{corruption}.npy", np.zeros((5 * n, 32, 32, 3), dtype))
    return root


LAYOUTS = {
    "parent": lambda t: (image_folders(t / "cifar" / "cifar10-jpeg75"), t / "cifar")[1],
    "nine_classes": lambda t: image_folders(t / "c9", classes=CLASSES[:9]),
    "renamed_class": lambda t: image_folders(t / "cx", classes=(*CLASSES[:9], "lorry")),
    "empty_class": lambda t: image_folders(t / "ce", empty=("cat",)),
    "train_only": lambda t: image_folders(t / "ct", splits=("train",)),
    "batch_missing": lambda t: batches(t / "b" / "cifar-10-batches-py", skip=("data_batch_3",)),
    "meta_five": lambda t: batches(t / "b5", classes=CLASSES[:5]),
    "tiny_3": lambda t: tiny(t / "tiny-imagenet-200", classes=3),
    "tiny_no_ann": lambda t: tiny(t / "tiny-imagenet-200", annotations=False),
    "tiny_unknown": lambda t: tiny(t / "tiny-imagenet-200", unknown_id=True),
    "tiny_no_train": lambda t: tiny(t / "tiny-imagenet-200", train_images=False),
    "tiny_parent": lambda t: (tiny(t / "data" / "sub" / "tiny-imagenet-200"), t / "data")[1],
    "release_no_fog": lambda t: release(t / "CIFAR-10-C", drop=("fog",)),
    "release_labels": lambda t: release(t / "CIFAR-10-C", labels=7),
    "release_float": lambda t: release(t / "CIFAR-10-C", dtype=np.float32),
    "a_file": lambda t: (t / "file.txt").write_text("x") and t / "file.txt",
}

CASES = [
    # numeric ranges of the training recipe (resolved by lcc.train.resolve_recipe)
    (["epochs=0"], "train.epochs"),
    (["encode.seed=-1"], "encode.seed"),
    (["encode.seed=0.5"], "encode.seed"),
    (["epochs=-3"], "train.epochs"),
    (["epochs=1.5"], "train.epochs"),
    (["lr=0"], "train.lr"),
    (["lr=-0.1"], "train.lr"),
    (["train.momentum=1.0"], "train.momentum"),
    (["train.momentum=-0.1"], "train.momentum"),
    (["train.weight_decay=-1"], "train.weight_decay"),
    (["train.batch_size=0"], "train.batch_size"),
    (["train.eval_batch_size=0"], "train.eval_batch_size"),
    (["train.crop_padding=-1"], "train.crop_padding"),
    (["train.rotation_degrees=400"], "train.rotation_degrees"),
    (["train.flip_probability=2"], "train.flip_probability"),
    (["train.augment=mixup"], "train.augment"),
    (["train.best_metric=top3"], "train.best_metric"),
    (["train.precision=fp8"], "train.precision"),
    (["train.normalize=imagenet"], "train.normalize"),
    (["recipe=faster"], "recipe"),
    (["train.recipe=faster"], "recipe"),
    # counts, booleans and lists of the sweep settings
    (["max_parallel=0"], "max_parallel"),
    (["max_parallel=two"], "max_parallel"),
    (["data.train_limit=0"], "data.train_limit"),
    (["data.test_limit=-5"], "data.test_limit"),
    (["gate.images=0"], "gate.images"),
    (["select.top_k=0"], "select.top_k"),
    (["encode.batch_size=0"], "encode.batch_size"),
    (["eval.batch_size=0"], "eval.batch_size"),
    (["eval.precision=fp16"], "eval.precision"),
    (["seeds=0"], "seeds"),
    (["seeds=[]"], "seeds"),
    (["seeds=[1,1]"], "seeds"),
    (["seeds=[-1]"], "seeds"),
    (["original=maybe"], "original"),
    (["gate.enforce=1"], "gate.enforce"),
    (["datasets=[]"], "datasets"),
    (["archs=[]"], "archs"),
    (["fake.fail=abc"], "fake.fail"),
    (["severities=[6]"], "unknown severity 6; valid severities:"),
    # codec levels (lcc.codecs.validate) and fit settings
    (["codecs.bls=[0]"], "codecs.bls"),
    (["codecs.bls=[-0.01]"], "codecs.bls"),
    (["codecs.jpeg=[0]"], "codecs.jpeg"),
    (["codecs.jpeg=[101]"], "codecs.jpeg"),
    (["codecs.noise=[-0.1]"], "codecs.noise"),
    (["codecs.blur=[4]"], "codecs.blur"),
    (["fit.epochs=0"], "fit.epochs"),
    (["fit.lr=0"], "fit.lr"),
    # data roots on disk (lcc.data.check)
    ([*CIFAR], "data.cifar10 is not set"),
    ([*CIFAR, "data.cifar10=/nonexistent"], "data.cifar10=/nonexistent"),
    ([*CIFAR, "data.cifar10={parent}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={nine_classes}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={renamed_class}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={empty_class}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={train_only}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={batch_missing}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={meta_five}"], "data.cifar10="),
    ([*CIFAR, "data.cifar10={a_file}"], "data.cifar10="),
    ([*TINY], "data.tinyimagenet is not set"),
    ([*TINY, "data.tinyimagenet={tiny_3}"], "data.tinyimagenet="),
    ([*TINY, "data.tinyimagenet={tiny_no_ann}"], "data.tinyimagenet="),
    ([*TINY, "data.tinyimagenet={tiny_unknown}"], "data.tinyimagenet="),
    ([*TINY, "data.tinyimagenet={tiny_no_train}"], "data.tinyimagenet="),
    ([*TINY, "data.tinyimagenet={tiny_parent}"], "data.tinyimagenet="),
    (["data.cifar10c=/nonexistent"], "data.cifar10c=/nonexistent"),
    (["data.cifar10c={release_no_fog}"], "data.cifar10c="),
    (["data.cifar10c={release_labels}"], "data.cifar10c="),
    (["data.cifar10c={release_float}"], "data.cifar10c="),
    # the results folder
    (["results={a_file}"], "results="),
    (["results={a_file}/sub"], "results="),
]

# What the message must also say for some cases: the finding, not only the key.
FINDINGS = {
    "data.cifar10={parent}": "did you mean",
    "data.cifar10={nine_classes}": "expected the 10 CIFAR-10 classes",
    "data.cifar10={empty_class}": "cat",
    "data.cifar10={batch_missing}": "data_batch_3",
    "data.tinyimagenet={tiny_3}": "expected 200",
    "data.tinyimagenet={tiny_parent}": "did you mean",
    "data.cifar10c={release_no_fog}": "fog.npy",
    "data.cifar10c={release_labels}": "multiple of the 5 severities",
}


def _id(case) -> str:
    return " ".join(case[0])


@pytest.mark.parametrize(("args", "needle"), CASES, ids=[_id(c) for c in CASES])
def test_bad_setting_is_one_line_exit_2_and_writes_no_job_folder(
    tmp_path, capsys, args, needle
) -> None:
    paths = {name: str(build(tmp_path)) for name, build in LAYOUTS.items() if f"{{{name}}}" in
             " ".join(args)}  # fmt: skip
    findings = [finding for template, finding in FINDINGS.items() if template in args]
    args = [a.format(**paths) for a in args]
    results = tmp_path / "results"
    base = [a for a in SMALL if not (a.startswith("sweep=") and any("sweep=" in x for x in args))]
    extra = [] if any(a.startswith("results=") for a in args) else [f"results={results}"]
    before = _tree(tmp_path)  # the folders the case built, and the file a results= names
    code = launch.main([*base, *extra, *args])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert needle.format(**paths) in err
    assert all(finding in err for finding in findings), findings
    assert _tree(tmp_path) == before and not toy.RUNS  # no results folder, nothing touched


def _tree(root: Path) -> dict[str, tuple[bool, int, int]]:
    """Every path under ``root``: (is a folder, size, modification time in ns)."""
    return {
        str(p.relative_to(root)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
    }


def test_there_are_at_least_30_distinct_bad_inputs() -> None:
    assert len({_id(c) for c in CASES}) == len(CASES) >= 30


def test_good_folders_pass_the_checks(tmp_path) -> None:
    check_root("synthetic", None)
    check_root("cifar10", image_folders(tmp_path / "folders"))
    check_root("cifar10", batches(tmp_path / "b" / "cifar-10-batches-py").parent)
    check_root("tinyimagenet", tiny(tmp_path / "t" / "tiny-imagenet-200").parent)
    check_cifar10c(release(tmp_path / "release"), CORRUPTIONS, [1, 2, 3, 4, 5])
    for corruption in ("fog", "snow"):
        write_cifar10c(tmp_path / "sub", corruption, np.zeros((4, 32, 32, 3), np.uint8),
                       np.arange(2), severities=(2, 5))  # fmt: skip
    check_cifar10c(tmp_path / "sub", ["fog", "snow"], [2, 5])
    with pytest.raises(ValueError, match=r"holds severities \[2, 5\], not \[1\]"):
        check_cifar10c(tmp_path / "sub", ["fog"], [1, 2])
    with pytest.raises(ValueError, match="generated, not read"):
        check_root("synthetic", tmp_path)


def test_real_folders_pass_the_checks(cifar10_folder, tinyimagenet_folder) -> None:
    check_root("cifar10", cifar10_folder)
    check_root("tinyimagenet", tinyimagenet_folder)
    check_root("tinyimagenet", tinyimagenet_folder.parent)


def test_launch_with_good_roots_plans_and_writes_no_job_on_a_dry_run(tmp_path, capsys) -> None:
    root = image_folders(tmp_path / "cifar10")
    cifar10c = release(tmp_path / "CIFAR-10-C")
    results = tmp_path / "results"
    args = [*SMALL, *CIFAR, f"data.cifar10={root}", f"data.cifar10c={cifar10c}",
            f"results={results}", "dry_run=true"]  # fmt: skip
    assert launch.main(args) == 0, capsys.readouterr().err
    assert "dry run: nothing submitted" in capsys.readouterr().out
    assert not (results / "_jobs").exists() and not toy.RUNS
