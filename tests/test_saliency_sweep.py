"""The saliency stage in sweeps (thesis §6.2, future work): planned once per training of a
32x32 dataset only when ``saliency.enabled`` (the shipped future-work sweeps enable it), with
the compressed test encode ``test_on_compressed`` would plan, its settings checked at plan
time, run by a launch, and drawn by the report (figure F3, the "Saliency on the object"
table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import grid
from analysis.catalogue import FIGURES, TABLES
from analysis.derived import Derived
from analysis.figures.saliency import IMAGES
from analysis.load import load
from analysis.needs import absence
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.launch import launch
from grid.plan import read_launched
from grid.settings import SettingsError
from grid.store.folder import JobFolder

SMALL = ["datasets=[synthetic]", "archs=[vgg11-5]", "seeds=1", "codecs.bls=[]", "select.joined=[]",
         "codecs.jpeg=[10,40]", "codecs.noise=[0.1]", "codecs.blur=[3]"]  # fmt: skip


def test_enabled_plans_one_saliency_job_per_training_with_both_test_views():
    jobs = grid.plan("robustness", [*SMALL, "saliency.enabled=true", "saliency.images=32"]).jobs
    by_signature = {j.signature: j for j in jobs}
    trains = [j for j in jobs if j.stage == "train"]
    saliency = [j for j in jobs if j.stage == "saliency"]
    assert len(trains) == 5 and sorted(j.inputs["model"][0] for j in saliency) == sorted(
        j.signature for j in trains
    )
    for job in saliency:
        train = by_signature[job.inputs["model"][0]]
        assert job.inputs["test_clean"] == train.inputs["test_clean"]
        (compressed,) = (by_signature[s] for s in job.inputs["test_compressed"])
        assert compressed.config["split"] == "test" and compressed.config["codec"] == "jpeg"
        assert compressed.config["level"] == 10 and job.config["images"] == 32
        assert job.config["method"] == "smoothgrad" and job.config["compressed"] == "jpeg:10"
    assert len({j.inputs["test_compressed"] for j in saliency}) == 1


def test_the_compressed_view_is_the_encode_test_on_compressed_plans():
    on = grid.plan("robustness", [*SMALL, "test_on_compressed=true"]).jobs
    tests = {j.signature for j in on if j.stage == "encode" and j.config["split"] == "test"}
    with_saliency = grid.plan("robustness", [*SMALL, "saliency.enabled=true"]).jobs
    (view,) = {j.inputs["test_compressed"][0] for j in with_saliency if j.stage == "saliency"}
    assert view in tests


def test_disabled_by_default_it_plans_nothing_and_leaves_every_signature_alone():
    default = grid.plan("robustness", SMALL).jobs
    assert not any(j.stage == "saliency" for j in default)
    enabled = grid.plan("robustness", [*SMALL, "saliency.enabled=true"]).jobs
    # New: the saliency jobs, the JPEG q10 test encode they read, and the report.
    added = {j.signature for j in enabled} - {j.signature for j in default}
    assert {j.stage for j in enabled if j.signature in added} == {"saliency", "encode", "report"}
    assert len(added) == 5 + 1 + 1


@pytest.mark.parametrize("sweep", ["future_work", "future_cpu"])
def test_the_future_work_sweeps_plan_saliency_jobs(sweep):
    jobs = grid.plan(sweep, []).jobs
    saliency = [j for j in jobs if j.stage == "saliency"]
    trains = {j.signature for j in jobs if j.stage == "train"}
    assert saliency and {j.inputs["model"][0] for j in saliency} == trains


def test_the_demo_plans_no_saliency_job():
    assert not grid.plan("demo", []).jobs_of("saliency")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("saliency.samples=0", "invalid saliency samples 0; valid: an integer >= 1"),
        ("saliency.method=lrp", "invalid saliency method 'lrp'; valid: gradient, smoothgrad"),
        ("saliency.compressed=jpeg", "invalid saliency compressed 'jpeg'; valid: '<codec>:"),
    ],
)
def test_a_bad_saliency_setting_is_a_one_line_settings_error_even_when_disabled(override, message):
    with pytest.raises(SettingsError, match=message) as err:
        grid.plan("robustness", [*SMALL, override])
    assert "\n" not in str(err.value)


def test_a_compressed_view_the_sweep_does_not_encode_names_the_levels_it_does():
    args = [*SMALL, "saliency.enabled=true", "saliency.compressed=jpeg:20"]
    with pytest.raises(SettingsError, match=r"'jpeg:20': no synthetic training set is encoded so;"
                       r" valid: jpeg:10, jpeg:40, noise:0.1, blur:3") as err:  # fmt: skip
        grid.plan("robustness", args)
    assert "\n" not in str(err.value)


@pytest.mark.slow
def test_a_launch_writes_rows_and_maps_of_every_model(tmp_path, one_torch_thread):
    args = ["sweep=classification", *SMALL, "executor=fake", "epochs=1", "data.train_limit=60",
            "data.test_limit=20", "saliency.enabled=true", "saliency.images=8",
            "saliency.samples=2", f"results={tmp_path}"]  # fmt: skip
    assert launch(args).failed == {}
    jobs = read_launched(tmp_path, "classification").jobs_of("saliency")
    rows = load(tmp_path / "classification").saliency
    assert set(rows["signature"]) == {j.signature for j in jobs} and len(jobs) == 5
    assert len(rows) == 5 * 2 * 8 and (rows["n_images"] == 8).all()
    for job in jobs:
        maps = np.load(JobFolder.of(tmp_path, job).saliency)
        assert maps.shape == (2, 8, 32, 32) and np.isfinite(maps).all() and (maps >= 0).all()
    assert rows["area_fraction"].between(0, 1).all()


@pytest.fixture
def synthetic(tmp_path) -> tuple:
    """A synthetic sweep with saliency rows and maps: two seeds, the original and JPEG q20/q60."""
    spec = SweepSpec(seeds=2, saliency=True, codecs={"jpeg": [20.0, 60.0]})
    results = load(write_synthetic_sweep(tmp_path, "s", spec))
    return results, Derived.of(results)


def test_the_report_draws_figure_f3_from_the_maps(synthetic, tmp_path):
    figure = next(f for f in FIGURES if f.number == "F3")
    assert absence(figure.needs, *synthetic) is None
    png = figure.draw(*synthetic, tmp_path / "figures")
    cells = pd.read_csv(png.with_suffix(".csv"))
    assert png.exists() and len(cells) == 3 * IMAGES * 2  # three sets, both views
    assert set(cells["column"]) == set(range(2 * IMAGES)) and set(cells["row"]) == {0, 1, 2}


def test_the_table_gives_each_set_its_ratio_with_an_interval(synthetic):
    table = next(t for t in TABLES if t.stem == "saliency")
    assert absence(table.needs, *synthetic) is None
    built = table.build(*synthetic).set_index("set")
    assert list(built.index) == ["Original", "JPEG q=20", "JPEG q=60"]
    assert (built["n_seeds"] == 2).all() and (built["n_images"] == 8).all()
    assert (built["compressed_view"] == "jpeg:10").all()
    assert (built["clean_low"] < built["clean_ratio"]).all()
    assert (built["clean_ratio"] < built["clean_high"]).all()
    # The synthetic law: sharper blobs for better sets, the compressed view more spread.
    assert built.loc["JPEG q=60", "clean_ratio"] > built.loc["JPEG q=20", "clean_ratio"] > 1
    assert (built["compressed_ratio"] < built["clean_ratio"]).all()


def test_a_sweep_without_saliency_rows_lists_both_as_absent_with_the_reason(tmp_path):
    results = load(write_synthetic_sweep(tmp_path, "s", SweepSpec(seeds=1)))
    derived = Derived.of(results)
    for item in (next(f for f in FIGURES if f.number == "F3"),
                 next(t for t in TABLES if t.stem == "saliency")):  # fmt: skip
        assert absence(item.needs, results, derived).startswith("no saliency map")
