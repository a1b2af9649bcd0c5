"""The fit-codec and encode stage adapters, run on the synthetic dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grid.context import JobContext, Preempted
from grid.job import Job
from grid.stages.encode import encode
from grid.stages.fit_codec import fit_codec
from grid.store import schemas
from grid.store.folder import JobFolder
from lcc.codecs import get, join_encoded, load_encoded
from lcc.data import load
from lcc.specs.fit_recipe import resolve_fit_recipe
from tests.stage_folders import write_encoded

SYNTHETIC = {"name": "synthetic", "root": None, "limit": 40}
FIT = resolve_fit_recipe(
    "thesis", {"epochs": 2, "max_steps_per_epoch": 2}, image_size=32
).as_config()


def _write_job_json(root, job: Job) -> None:
    folder = JobFolder(root, job.stage, job.signature).path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "job.json").write_text(json.dumps(job.to_dict()))


def _encode_job(codec, level, inputs=None, batch_size=16, split="train") -> Job:
    config = {
        "codec": codec,
        "level": level,
        "dataset": SYNTHETIC,
        "split": split,
        "batch_size": batch_size,
    }
    return Job(stage="encode", config=config, inputs=inputs or {})


def _run(job: Job, root, **kwargs):
    _write_job_json(root, job)
    return JobContext(job=job, results_root=root, sweep="test", **kwargs)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A fit-codec job run to completion through one injected preemption."""
    root = tmp_path_factory.mktemp("results")
    job = Job(
        stage="fit-codec", config={"codec": "bls", "level": 0.01, "dataset": SYNTHETIC, "fit": FIT}
    )

    def preempt_once(_job: Job, epoch: int) -> None:
        if epoch == 1 and not (root / "preempted").exists():
            (root / "preempted").touch()
            raise Preempted

    with pytest.raises(Preempted):
        fit_codec(_run(job, root, on_epoch=preempt_once))
    tables = fit_codec(_run(job, root, on_epoch=preempt_once))
    return root, job, tables


def test_fit_codec_stage_rows_and_artifacts(fitted):
    root, job, tables = fitted
    rows = tables["codec_fit"]
    assert set(rows.columns) == set(schemas.TABLES["codec_fit"].names)
    assert rows["epoch"].tolist() == [1, 2] and rows["steps"].tolist() == [2, 4]
    assert (rows["dataset"] == "synthetic").all() and (rows["bpp"] > 0).all()
    folder = JobFolder(root, "fit-codec", job.signature).path
    assert {"model.pt", "checkpoint.pt", "meta.json"} <= {p.name for p in folder.iterdir()}


def test_encode_stage_jpeg_streams_a_split(tmp_path):
    job = _encode_job("jpeg", 20, batch_size=16)
    rows = encode(_run(job, tmp_path))["rate_distortion"]
    assert set(rows.columns) == set(schemas.TABLES["rate_distortion"].names)
    source = load("synthetic", "train", limit=40)
    folder = JobFolder(tmp_path, "encode", job.signature).path
    images = np.load(folder / "images.npy", mmap_mode="r")
    assert images.shape == source.images.shape and images.dtype == np.uint8
    assert np.array_equal(np.load(folder / "labels.npy"), source.labels)
    assert rows["image_index"].tolist() == list(range(40))
    assert (rows["label"].to_numpy() == source.labels).all()
    assert (rows["bpp"] == rows["bits_actual"] / 1024).all() and (rows["pixels"] == 1024).all()
    assert (rows["bits_file"] > rows["bits_actual"]).all() and rows["bits_estimated"].isna().all()
    assert ((rows["psnr"] > 15) & (rows["psnr"] < 60)).all() and (rows["ssim"] < 1).all()
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["fingerprint"] == source.fingerprint == rows["dataset_fingerprint"].iloc[0]
    assert (meta["codec"], meta["level"], meta["n"], meta["split"]) == ("jpeg", 20, 40, "train")


@pytest.mark.parametrize(("codec", "level"), [("jpeg", 20), ("noise", 0.05)])
def test_chunked_encode_stage_equals_one_shot_encode(tmp_path, codec, level):
    """7 images at a time (40 is no multiple of 7) gives the pixels and rates of one
    ``codec.encode`` of the whole split; the noise codec keys its draws on first_index."""
    job = _encode_job(codec, level, batch_size=7)
    rows = encode(_run(job, tmp_path))["rate_distortion"]
    source = load("synthetic", "train", limit=40)
    whole = get(codec, level).encode(source.images)
    written = np.load(JobFolder(tmp_path, "encode", job.signature).path / "images.npy")
    assert not np.array_equal(written, source.images)
    np.testing.assert_array_equal(written, whole.reconstructions)
    for column in ("bits_actual", "bits_file"):
        expected = getattr(whole, column)
        if expected is None:
            assert rows[column].isna().all()
        else:
            np.testing.assert_array_equal(rows[column].to_numpy(), expected)


def test_identity_encode_is_the_original_with_null_rates(tmp_path):
    job = _encode_job("identity", None, split="test")
    rows = encode(_run(job, tmp_path))["rate_distortion"]
    encoded = load_encoded(JobFolder(tmp_path, "encode", job.signature).path)
    assert np.array_equal(encoded.images, load("synthetic", "test", limit=40).images)
    assert encoded.name == "synthetic[identity]" and encoded.split == "test"
    for column in ("bits_estimated", "bits_actual", "bits_file", "bpp", "level"):
        assert rows[column].isna().all()
    assert (rows["mse"] == 0).all() and np.isinf(rows["psnr"]).all()


def test_encode_stage_learned_codec_reads_the_fit_job(fitted):
    root, fit_job, _ = fitted
    job = _encode_job("bls", 0.01, inputs={"model": (fit_job.signature,)}, batch_size=32)
    rows = encode(_run(job, root))["rate_distortion"]
    assert (rows["bpp"] == rows["bits_estimated"] / 1024).all()
    assert (rows["bits_actual"] > 0).all() and rows["bits_file"].isna().all()

    other = _encode_job("bls", 0.1, inputs={"model": (fit_job.signature,)})
    with pytest.raises(ValueError, match="lambda"):
        encode(_run(other, root))


def test_encode_stage_missing_fit_output_is_one_clear_error(tmp_path):
    unfinished = Job(
        stage="fit-codec", config={"codec": "bls", "level": 0.01, "dataset": SYNTHETIC, "fit": FIT}
    )
    _write_job_json(tmp_path, unfinished)
    job = _encode_job("bls", 0.01, inputs={"model": (unfinished.signature,)})
    with pytest.raises(FileNotFoundError, match=r"model\.pt is missing"):
        encode(_run(job, tmp_path))
    orphan = _encode_job("bls", 0.01, inputs={"model": ("0123456789ab",)})
    with pytest.raises(FileNotFoundError, match="0123456789ab"):
        encode(_run(orphan, tmp_path))
    with pytest.raises(ValueError, match="exactly one 'model' input"):
        encode(_run(_encode_job("bls", 0.01), tmp_path))


def test_joined_encodings_are_one_dataset(tmp_path):
    jobs = [_encode_job("noise", 0.1), _encode_job("blur", 3)]
    for job in jobs:
        encode(_run(job, tmp_path))
    joined = join_encoded([JobFolder(tmp_path, "encode", j.signature).path for j in jobs])
    assert joined.name == "synthetic[noise:0.1+blur:3]" and len(joined) == 80
    parts = [load_encoded(JobFolder(tmp_path, "encode", j.signature).path) for j in jobs]
    assert np.array_equal(joined.images[40:], parts[1].images)
    assert joined.fingerprint not in {p.fingerprint for p in parts}


def test_join_encoded_refuses_encodings_of_different_splits(tmp_path):
    images, labels = np.zeros((4, 8, 8, 3), np.uint8), np.arange(4) % 2
    train = write_encoded(tmp_path, images, labels, "jpeg", 20, split="train")
    test = write_encoded(tmp_path, images, labels, "jpeg", 80, split="test")
    other_source = write_encoded(tmp_path, images, labels, "jpeg", 50, split="train")
    meta_file = JobFolder(tmp_path, "encode", other_source.signature).path / "meta.json"
    meta_file.write_text(meta_file.read_text().replace("test-split", "another-dataset"))
    train_dir, test_dir, other_dir = (
        JobFolder(tmp_path, "encode", j.signature).path for j in (train, test, other_source)
    )
    assert len(join_encoded([train_dir, train_dir])) == 8  # one split joins
    with pytest.raises(ValueError, match=r"different splits.*'test'.*'train'"):
        join_encoded([train_dir, test_dir])
    with pytest.raises(ValueError, match=r"different splits.*another-dataset.*test-split"):
        join_encoded([train_dir, other_dir])
    with pytest.raises(ValueError, match="at least one"):
        join_encoded([])
