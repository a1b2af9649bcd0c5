"""The HOG-guided JPEG codec runs through the suite like JPEG: planned from a setting, gated
against JPEG's curve like a learned codec but never held back by it, encoded by the encode
stage, trained on, named in the labels."""

from __future__ import annotations

import numpy as np
import pytest

import grid
from analysis.labels import codec_name, rate_codecs, set_label, thesis_learned_codecs
from grid.stages.declared import codec_resources
from grid.stages.encode import encode
from grid.stages.registry import STAGES
from grid.store.folder import JobFolder
from lcc.codecs import get
from lcc.data import load
from tests.test_codecs_stages import _encode_job, _run


def test_the_codec_is_planned_gated_encoded_and_trained_on_on_the_cpu():
    jobs = grid.plan("demo_cifar", ["codecs.hog-jpeg=[10,40]", "gate.enforce=true"]).jobs
    ours = [job for job in jobs if job.config.get("codec") == "hog-jpeg"]
    encodes = sorted((j.config["split"], j.config["level"]) for j in ours if j.stage == "encode")
    assert encodes == [(split, q) for split in ("test", "train") for q in (10, 40)]
    gates = [job for job in ours if job.stage == "check-codec"]
    assert sorted(job.config["level"] for job in gates) == [10, 40]
    assert all(set(job.inputs) == {"reference"} for job in gates)  # no fit: not learned
    assert all(set(job.inputs) <= {"model"} for job in ours if job.stage == "encode")  # not held
    assert all(job.config["dataset"]["name"] == "synthetic" for job in ours)
    assert all(codec_resources(job.config) == "cpu" for job in ours)
    trained = {job.config["train_set"]["label"] for job in jobs if job.stage == "train"}
    assert {"hog-jpeg:10", "hog-jpeg:40"} <= trained


def test_the_gate_measures_the_codec_against_jpeg_at_its_own_rate(tmp_path):
    overrides = ["codecs.hog-jpeg=[10]", "codecs.bls=[]", "codecs.bmhj=[]", "select.joined=[]",
                 "gate.images=20"]  # fmt: skip
    the_plan = grid.plan("demo_cifar", overrides)
    [gate] = [
        j for j in the_plan.jobs if j.stage == "check-codec" and j.config["codec"] == "hog-jpeg"
    ]
    by_sig = the_plan.by_signature
    [reference] = [by_sig[s] for s in gate.inputs["reference"]]
    for job in (reference, gate):
        outputs = STAGES[job.stage].fn(_run(job, tmp_path))
        path = JobFolder.of(tmp_path, job).rows_path("codec_gate")
        path.parent.mkdir(parents=True, exist_ok=True)
        outputs["codec_gate"].to_parquet(path)
    [row] = outputs["codec_gate"].to_dict("records")
    images = load("synthetic", "test", limit=20).images
    coded = get("hog-jpeg", 10).encode(images)
    assert row["codec"] == "hog-jpeg" and row["n_images"] == 20
    assert row["bpp_coded"] == pytest.approx(coded.bits_actual.sum() / images[..., 0].size)
    assert row["psnr_margin"] == pytest.approx(row["psnr"] - row["jpeg_psnr"])


def test_the_encode_stage_writes_the_codec_s_pixels_and_rates(tmp_path):
    job = _encode_job("hog-jpeg", 40, batch_size=16)
    rows = encode(_run(job, tmp_path))["rate_distortion"]
    source = load("synthetic", "train", limit=40)
    whole = get("hog-jpeg", 40).encode(source.images)
    written = np.load(JobFolder(tmp_path, "encode", job.signature).path / "images.npy")
    np.testing.assert_array_equal(written, whole.reconstructions)
    np.testing.assert_array_equal(rows["bits_actual"].to_numpy(), whole.bits_actual)
    jpeg = get("jpeg", 40).encode(source.images)
    assert (rows["bits_actual"].to_numpy() > jpeg.bits_actual).all()
    assert (rows["bpp"] == rows["bits_actual"] / 1024).all() and rows["bits_estimated"].isna().all()
    assert (rows["codec"] == "hog-jpeg").all() and (rows["level"] == 40.0).all()


def test_the_labels_name_the_codec_as_a_rate_codec_outside_the_thesis():
    assert codec_name("hog-jpeg") == "HOG-guided JPEG"
    assert set_label("hog-jpeg", 40.0) == "HOG-guided JPEG q=40"
    assert "hog-jpeg" in rate_codecs() and "hog-jpeg" not in thesis_learned_codecs()
