"""The HOG-guided JPEG codec runs through the suite like JPEG: planned from a setting, not
gated (it is not learned), encoded by the encode stage, trained on, named in the labels."""

from __future__ import annotations

import numpy as np

import grid
from analysis.labels import codec_name, rate_codecs, set_label, thesis_learned_codecs
from grid.stages.declared import encode_resources
from grid.stages.encode import encode
from grid.store.folder import JobFolder
from lcc.codecs import get
from lcc.data import load
from tests.test_codecs_stages import _encode_job, _run


def test_the_codec_is_planned_encoded_and_trained_on_without_a_gate():
    jobs = grid.plan("demo_cifar", ["codecs.hog-jpeg=[10,40]"]).jobs
    ours = [job for job in jobs if job.config.get("codec") == "hog-jpeg"]
    stages = sorted((job.stage, job.config["split"], job.config["level"]) for job in ours)
    assert stages == [("encode", split, q) for split in ("test", "train") for q in (10, 40)]
    assert all(job.config["dataset"]["name"] == "synthetic" for job in ours)
    assert all(encode_resources(job.config) == "cpu" for job in ours)
    trained = {job.config["train_set"]["label"] for job in jobs if job.stage == "train"}
    assert {"hog-jpeg:10", "hog-jpeg:40"} <= trained


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
