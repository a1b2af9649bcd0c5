"""The codec quality gate in a sweep (real stages, fake executor, synthetic data): its rows, the
status lines, and ``gate.enforce`` stopping the downstream work of a codec that fails it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import grid
from grid import launch, status
from grid.store.folder import JobFolder
from grid.store.state import DONE

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# A BLS fitted for two steps is far below JPEG: a codec certain to fail the gate.
TINY = [
    "datasets=[synthetic]",
    "archs=[vgg11-5]",
    "seeds=1",
    "epochs=1",
    "codecs.bls=[0.05]",
    "codecs.jpeg=[10]",
    "data.train_limit=120",
    "data.test_limit=60",
    "gate.images=60",
    "fit.recipe=thesis",
    "fit.epochs=1",
    "fit.max_steps_per_epoch=2",
    "executor=fake",
]


def sweep(tmp_path: Path, *extra: str) -> list[str]:
    return ["sweep=classification", *TINY, f"results={tmp_path}", *extra]


def test_gate_rows_compare_the_codec_with_jpeg_on_the_same_images(tmp_path: Path) -> None:
    outcome = launch.launch(sweep(tmp_path))
    assert not outcome.failed
    rows = pd.read_parquet(tmp_path / "classification" / "codec_gate")
    reference = rows[rows["role"] == "reference"]
    assert sorted(reference["level"]) == [1, *range(5, 100, 5)]
    assert set(reference["stage"]) == {"gate-reference"} and set(reference["reference"]) == {"test"}
    # JPEG's content rate counts 128 bits of scan header per 32x32 image; the learned codec none
    assert (reference["bpp_coded"] - reference["bpp_no_header"]).to_numpy() == pytest.approx(0.125)
    assert (rows["n_images"] == 60).all()
    candidates = rows[rows["role"] == "candidate"]
    assert list(candidates["reference"]) == ["test"]  # no data.tinyimagenet: no tiny-2x rows
    candidate = candidates.iloc[0]
    assert candidate["codec"] == "bls" and not candidate["passes"]
    assert candidate["psnr_margin"] == pytest.approx(candidate["psnr"] - candidate["jpeg_psnr"])
    assert candidate["bpp_no_header"] == pytest.approx(candidate["bpp_coded"])
    # without its header JPEG reaches each PSNR at 0.125 bpp less: the codec's margin shrinks
    assert candidate["psnr_margin_no_header"] < candidate["psnr_margin"]


def test_status_prints_one_gate_line_per_codec(tmp_path: Path, capsys) -> None:
    launch.launch(sweep(tmp_path))
    capsys.readouterr()
    status.main(["sweep=classification", *TINY, f"results={tmp_path}"])
    out = capsys.readouterr().out
    assert "bls λ=0.05: FAILS the JPEG gate:" in out


def test_enforced_gate_stops_the_failing_codecs_training_only(tmp_path: Path) -> None:
    outcome = launch.launch(sweep(tmp_path, "gate.enforce=true"))
    the_plan = grid.plan("classification", [*TINY, "gate.enforce=true", f"results={tmp_path}"])
    by_sig = the_plan.by_signature
    encode_errors = [e for s, e in outcome.failed.items() if by_sig[s].stage == "encode"]
    assert encode_errors  # the failing codec's encodes refuse to run
    assert all("FAILS the JPEG gate" in e and "gate.enforce=true" in e for e in encode_errors)
    trained = {
        job.config["train_set"]["codec"]
        for job in the_plan.jobs
        if job.stage == "train" and JobFolder(tmp_path, job.stage, job.signature).state() == DONE
    }
    assert trained == {"identity", "jpeg"}


def test_without_enforcement_encodes_do_not_read_the_gate(tmp_path: Path) -> None:
    the_plan = grid.plan("classification", TINY)
    encodes = [j for j in the_plan.jobs if j.stage == "encode" and j.config["codec"] == "bls"]
    assert encodes and all("gate" not in j.inputs for j in encodes)


def test_with_tiny_imagenet_the_gate_also_reads_jpeg_on_its_2x_downsampled_images(
    tmp_path: Path, tinyimagenet_folder: Path
) -> None:
    outcome = launch.launch(sweep(tmp_path, f"data.tinyimagenet={tinyimagenet_folder}"))
    assert not outcome.failed
    rows = pd.read_parquet(tmp_path / "classification" / "codec_gate")
    reference = rows[rows["role"] == "reference"]
    tiny = reference[reference["reference"] == "tiny-2x"]
    assert len(tiny) == 20 and set(tiny["dataset"]) == {"tinyimagenet"}
    assert (tiny["n_images"] == 60).all()
    candidates = rows[rows["role"] == "candidate"].set_index("reference")
    assert sorted(candidates.index) == ["test", "tiny-2x"]
    assert set(candidates["dataset"]) == {"synthetic"}
    assert candidates.loc["tiny-2x", "psnr"] != candidates.loc["test", "psnr"]  # other images
