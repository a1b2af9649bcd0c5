"""The gabor stage in sweeps (thesis §6.2, future work): planned once per training set only
when ``gabor.enabled`` (the shipped future-work sweeps enable it), its settings checked at
plan time, run by a launch that skips it once done and reruns it when its folder is gone, and
drawn by the report (figure F2, the Gabor distances table)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import grid
from analysis.catalogue import FIGURES, TABLES
from analysis.derived import Derived
from analysis.load import load
from analysis.needs import absence
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.launch import launch
from grid.plan import read_launched
from grid.settings import SettingsError
from grid.store.folder import JobFolder

SMALL = ["datasets=[synthetic]", "archs=[vgg11-5]", "seeds=1", "codecs.bls=[]", "select.joined=[]",
         "codecs.jpeg=[10,40]", "codecs.noise=[0.1]", "codecs.blur=[3]"]  # fmt: skip


def _train_encodes(jobs) -> dict[str, grid.Job]:
    return {j.signature: j for j in jobs if j.stage == "encode" and j.config["split"] == "train"}


def test_enabled_plans_one_gabor_job_per_training_set_reading_its_images():
    jobs = grid.plan("robustness", [*SMALL, "gabor.enabled=true", "gabor.images=200"]).jobs
    encodes = _train_encodes(jobs)
    gabor = [j for j in jobs if j.stage == "gabor"]
    assert len(encodes) == 5  # the original, JPEG q10/q40, noise, blur
    assert sorted(j.inputs["images"][0] for j in gabor) == sorted(encodes)
    for job in gabor:
        assert job.config == {"images": 200, "orientations": 4, "frequencies": [0.1, 0.2, 0.4],
                              "bandwidth": 1.0, "bins": 40, "max_response": 0.1}  # fmt: skip
        assert job.label == f"{encodes[job.inputs['images'][0]].label} gabor"


def test_disabled_by_default_it_plans_nothing_and_leaves_every_signature_alone():
    default = grid.plan("robustness", SMALL).jobs
    assert not any(j.stage == "gabor" for j in default)
    enabled = grid.plan("robustness", [*SMALL, "gabor.enabled=true"]).jobs
    # Only the gabor jobs are new, and the report, which reads every job, with them.
    added = {j.signature for j in enabled} - {j.signature for j in default}
    assert {j.stage for j in enabled if j.signature in added} == {"gabor", "report"}
    assert len(added) == 5 + 1


@pytest.mark.parametrize("sweep", ["future_work", "future_cpu"])
def test_the_future_work_sweeps_plan_gabor_jobs(sweep):
    jobs = grid.plan(sweep, []).jobs
    gabor = [j for j in jobs if j.stage == "gabor"]
    assert gabor and {j.inputs["images"][0] for j in gabor} == set(_train_encodes(jobs))


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("gabor.bins=1", "invalid gabor bins 1; valid: an integer >= 2"),
        ("gabor.frequencies=[0.7]", r"invalid gabor frequencies \[0.7\]; valid: a non-empty"),
        ("gabor.max_response=0", r"invalid gabor max_response 0; valid: a number in \(0, 1\]"),
    ],
)
def test_a_bad_gabor_setting_is_a_one_line_settings_error_even_when_disabled(override, message):
    with pytest.raises(SettingsError, match=message) as err:
        grid.plan("robustness", [*SMALL, override])
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_a_launch_writes_the_rows_skips_done_jobs_and_reruns_a_deleted_one(
    tmp_path, one_torch_thread
):
    args = ["sweep=classification", *SMALL, "executor=fake", "epochs=1", "data.train_limit=60",
            "data.test_limit=20", "gabor.enabled=true", "gabor.images=50",
            f"results={tmp_path}"]  # fmt: skip
    assert launch(args).failed == {}
    gabor = read_launched(tmp_path, "classification").jobs_of("gabor")
    rows = load(tmp_path / "classification").gabor_response
    assert set(rows["signature"]) == {j.signature for j in gabor} and len(gabor) == 5
    assert (rows["n_images"] == 50).all() and len(rows) == 5 * 12 * 40
    done = {j.signature: JobFolder.of(tmp_path, j).done_record()["time"] for j in gabor}

    launch(args)  # nothing new: every gabor job is skipped, its done record untouched
    assert {j.signature: JobFolder.of(tmp_path, j).done_record()["time"] for j in gabor} == done

    shutil.rmtree(JobFolder.of(tmp_path, gabor[0]).path)  # deleting a folder reruns that job
    launch(args)
    after = {j.signature: JobFolder.of(tmp_path, j).done_record()["time"] for j in gabor}
    assert [s for s in after if after[s] != done[s]] == [gabor[0].signature]
    again = load(tmp_path / "classification").gabor_response
    key = ["signature", "orientation", "frequency", "bin"]
    pd.testing.assert_series_equal(
        rows.sort_values(key)["fraction"].reset_index(drop=True),
        again.sort_values(key)["fraction"].reset_index(drop=True),
    )


def test_the_report_draws_the_histograms_and_the_distances_of_a_synthetic_sweep(tmp_path):
    spec = SweepSpec(seeds=1, gabor=True, codecs={"jpeg": [20.0, 60.0], "blur": [3.0]})
    results = load(write_synthetic_sweep(tmp_path, "s", spec))
    derived = Derived.of(results)
    figure = next(f for f in FIGURES if f.number == "F2")
    table = next(t for t in TABLES if t.stem == "gabor_distances")
    assert absence(figure.needs, results, derived) is None
    assert absence(table.needs, results, derived) is None
    png = figure.draw(results, derived, tmp_path / "figures")
    assert png.exists() and png.with_suffix(".csv").exists()
    distances = table.build(results, derived).set_index("set")
    assert list(distances.index) == ["Original", "JPEG q=20", "JPEG q=60", "Gaussian blur 3x3"]
    assert distances.loc["Original", "tv_mean"] == 0 and distances.loc["Original", "js_max"] == 0
    assert distances.loc["JPEG q=20", "tv_mean"] > distances.loc["JPEG q=60", "tv_mean"] > 0
    assert (distances["filters"] == 12).all()


def test_a_sweep_without_gabor_rows_lists_both_as_absent_with_the_reason(tmp_path):
    results = load(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1)))
    derived = Derived.of(results)
    figure = next(f for f in FIGURES if f.number == "F2")
    assert absence(figure.needs, results, derived).startswith("no Gabor response histogram")


def test_without_the_original_s_histograms_the_distance_table_says_why(tmp_path: Path):
    results = load(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1, gabor=True)))
    rows = results.gabor_response
    results.tables["gabor_response"] = rows[rows["codec"] != "identity"]
    table = next(t for t in TABLES if t.stem == "gabor_distances")
    reason = absence(table.needs, results, Derived.of(results))
    assert reason.startswith("no Gabor response histogram of the original data")
