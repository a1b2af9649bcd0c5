"""The future-work learned codecs (thesis §6.1): bls-ssim, bls-task, mbt-mean — networks,
objectives, fits, real bits, resume, settings, and the task-aware fit's classifier input."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.colors import to_hex

from analysis.figures import rate_distortion
from analysis.figures.common import save
from analysis.figures.rate_distortion import draw_rate_distortion, rate_distortion_data
from grid.context import JobContext
from grid.job import Job
from grid.planner import plan
from grid.settings import SettingsError
from grid.stages.fit_codec import fit_codec
from lcc import codecs
from lcc.codecs.architectures import analyse, arch_record, build_model, pad_to_multiple
from lcc.codecs.objectives import SSIM_LAMBDA_SCALE, Criterion, FrozenClassifier
from lcc.data import load
from lcc.evaluate import get_normalization
from lcc.metrics import ssim, ssim_torch
from lcc.models import build
from lcc.specs.fit_recipe import FitRecipe, resolve_fit_recipe
from lcc.train import checkpoint
from tests.stage_folders import write_job
from tests.test_codecs_learned import _decompressed

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NEW = ("bls-ssim", "bls-task", "mbt-mean")
FIT = {"batch_size": 8, "crop": 32, "lr": 1e-3, "aux_lr": 1e-3, "seed": 0}
ONE_EPOCH = FitRecipe(epochs=1, **FIT)
SYNTHETIC = {"name": "synthetic", "root": None, "limit": 40}


@pytest.fixture(scope="module")
def data():
    split = load("synthetic", "train", limit=40)
    return np.array(split.images), np.array(split.labels)


@pytest.fixture(scope="module")
def classifier() -> FrozenClassifier:
    torch.manual_seed(0)
    return FrozenClassifier(build("vgg11-5", 10, 32), get_normalization("synthetic"))


def _task_args(name: str, labels, classifier) -> dict:
    if name != "bls-task":
        return {}
    return {"labels": labels, "classifier": classifier, "objective": {"task_beta": 1.0}}


@pytest.fixture(scope="module")
def one_thread_for_the_module():
    """One torch thread for the module-scoped fits (see conftest's one_torch_thread)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def fitted(data, classifier, tmp_path_factory, one_thread_for_the_module):
    """Each new codec fitted for 3 epochs x 3 steps at λ = 0.05: folder and rows."""
    images, labels = data
    out = {}
    for name in NEW:
        workdir = tmp_path_factory.mktemp(name)
        rows = codecs.fit(
            name,
            0.05,
            images,
            FitRecipe(epochs=3, max_steps_per_epoch=3, **FIT),
            workdir=workdir,
            **_task_args(name, labels, classifier),
        )
        out[name] = (workdir, rows)
    return out


def test_torch_ssim_equals_the_reported_metric_and_has_gradients():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-40, 40, a.shape), 0, 255).astype(np.uint8)
    x, y = (torch.from_numpy(v).permute(0, 3, 1, 2).double() / 255 for v in (a, b))
    y.requires_grad_(True)
    values = ssim_torch(x, y)
    assert np.allclose(values.detach().numpy(), ssim(a, b), atol=1e-9)
    values.sum().backward()
    assert y.grad.abs().sum() > 0


@pytest.mark.parametrize("name", NEW)
def test_new_codec_forward_gives_image_shapes_and_likelihoods(name):
    model = build_model(name).eval()
    x = torch.rand(2, 3, 32, 32)
    assert pad_to_multiple(x, model.downsampling_factor).shape == x.shape  # no padding
    with torch.no_grad():
        result = analyse(model, x)
    assert result.x_hat.shape == x.shape
    assert len(result.likelihoods) == (1 if name.startswith("bls") else 2)
    for lik in result.likelihoods:
        assert lik.shape[0] == 2 and bool(((lik > 0) & (lik <= 1)).all())


def test_mean_scale_hyperprior_has_the_documented_size_and_predicts_means():
    model = build_model("mbt-mean")
    assert sum(p.numel() for p in model.parameters()) == 7_028_003
    assert arch_record("mbt-mean") == {"filters": 128, "latent_channels": 192, "multiple": 32}
    with torch.no_grad():
        coding = analyse(model.eval(), torch.rand(1, 3, 32, 32)).coding
    assert coding["y"].shape == (1, 192, 2, 2) and coding["means"].shape == (1, 192, 2, 2)
    assert coding["z"].shape == (1, 128, 1, 1)


def test_each_objective_computes_its_documented_loss(classifier):
    torch.manual_seed(1)
    x = torch.rand(4, 3, 32, 32)
    out = {"x_hat": (x + 0.05 * torch.randn_like(x)).clamp(0, 1), "likelihoods": {}}
    out["likelihoods"]["y"] = torch.full((4, 8, 2, 2), 0.5)  # 32 bits per image
    labels = torch.tensor([0, 1, 2, 3])
    bpp = 32 / 1024
    mse = torch.mean((out["x_hat"] - x) ** 2)
    plain = Criterion("mse", 0.01)(out, x, None)
    assert plain["bpp_loss"].item() == pytest.approx(bpp)
    assert plain["loss"].item() == pytest.approx(bpp + 0.01 * 255**2 * mse.item(), rel=1e-5)
    structural = Criterion("ssim", 0.01)(out, x, None)["loss"].item()
    one_minus = 1 - ssim_torch(x, out["x_hat"]).mean().item()
    assert structural == pytest.approx(bpp + 0.01 * SSIM_LAMBDA_SCALE * one_minus, rel=1e-5)
    task = Criterion("task", 0.01, {"task_beta": 0.5}, classifier)(out, x, labels)["loss"]
    with torch.no_grad():
        logits = classifier.model(classifier.normalization.apply(out["x_hat"] * 255))
    ce = torch.nn.functional.cross_entropy(logits, labels).item()
    assert task.item() == pytest.approx(plain["loss"].item() + 0.5 * ce, rel=1e-5)


@pytest.mark.parametrize("name", NEW)
def test_a_short_fit_lowers_its_own_loss(name, fitted):
    _, rows = fitted[name]
    losses = [row["loss"] for row in rows]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    assert [row["codec"] for row in rows] == [name] * 3


@pytest.mark.parametrize("name", NEW)
def test_new_codec_codes_real_bits_that_decode_to_its_reconstruction(name, fitted, data):
    images = data[0][:6]
    codec = codecs.get(name, 0.05, weights=fitted[name][0])
    result = codec.encode(images)
    decoded, bits = _decompressed(codec, images)
    assert np.abs(decoded.astype(int) - result.reconstructions).max() <= 1
    assert result.bits_actual.tolist() == bits
    assert (result.bpp() > 0).all() and (result.bits_actual > 0).all()
    meta = json.loads((fitted[name][0] / "meta.json").read_text())
    assert meta["codec"] == name and meta["arch"] == arch_record(name)


def test_weights_of_one_objective_are_refused_by_another(fitted):
    with pytest.raises(ValueError, match="holds codec 'bls-ssim'"):
        codecs.get("bls", 0.05, weights=fitted["bls-ssim"][0])


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("name", NEW)
def test_interrupted_fit_of_a_new_codec_resumes_bit_for_bit(name, data, classifier, tmp_path):
    images, labels = data
    recipe = FitRecipe(epochs=3, max_steps_per_epoch=2, held_out=4, **FIT)
    settings = _task_args(name, labels, classifier)
    whole = codecs.fit(name, 0.02, images, recipe, workdir=tmp_path / "whole", **settings)
    cut = tmp_path / "cut"

    def stop_after_epoch_2(epoch: int) -> None:
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        codecs.fit(name, 0.02, images, recipe, workdir=cut, on_epoch=stop_after_epoch_2, **settings)
    resumed = codecs.fit(name, 0.02, images, recipe, workdir=cut, **settings)

    def strip(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert strip(resumed) == strip(whole)
    a = torch.load(tmp_path / "whole" / "model.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_task_fit_resume_refuses_another_beta(data, classifier, tmp_path):
    images, labels = data
    args = dict(workdir=tmp_path, labels=labels, classifier=classifier)
    recipe = FitRecipe(epochs=1, max_steps_per_epoch=1, **FIT)
    codecs.fit("bls-task", 0.02, images, recipe, objective={"task_beta": 1}, **args)
    with pytest.raises(ValueError, match="another fit"):
        codecs.fit("bls-task", 0.02, images, recipe, objective={"task_beta": 2}, **args)


def test_task_fit_without_classifier_or_labels_is_a_one_line_error(data, classifier, tmp_path):
    images, labels = data
    with pytest.raises(ValueError, match="needs a frozen classifier") as err:
        codecs.fit("bls-task", 0.02, images, ONE_EPOCH, workdir=tmp_path, labels=labels)
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="needs one label per image"):
        codecs.fit("bls-task", 0.02, images, ONE_EPOCH, workdir=tmp_path, classifier=classifier)
    with pytest.raises(ValueError, match="whole-image crops"):
        codecs.fit(
            "bls-task",
            0.02,
            images,
            FitRecipe(epochs=1, **{**FIT, "crop": 16}),
            workdir=tmp_path,
            labels=labels,
            classifier=classifier,
        )


def test_unknown_codec_and_bad_levels_are_one_line_errors_listing_the_valid(data, tmp_path):
    with pytest.raises(ValueError, match=r"cannot be fit; learned codecs: .*bls-ssim, bls-task"):
        codecs.fit("bls-msssim", 0.01, data[0], ONE_EPOCH, workdir=tmp_path)
    with pytest.raises(ValueError, match="invalid level -1 for codec 'mbt-mean'; valid: a lambda"):
        codecs.validate("mbt-mean", -1)
    with pytest.raises(
        SettingsError,
        match=r"unknown codec 'bls-msssim'; did you mean bls-ssim.*? valid codecs: .*bls-ssim",
    ):
        plan("demo_cifar", ["codecs.bls-msssim=[0.1]"])


@pytest.mark.parametrize("beta", ["-1", "true", "abc"])
def test_a_bad_task_beta_is_a_one_line_settings_error(beta):
    with pytest.raises(SettingsError, match=r"fit\.task_beta must be a number >= 0") as err:
        plan("demo_cifar", [f"fit.task_beta={beta}"])
    assert "\n" not in str(err.value)


def test_task_fit_depends_on_the_original_data_classifier_and_runs_in_a_later_round():
    the_plan = plan("demo_cifar", ["fit.task_beta=0.5"])
    jobs = the_plan.by_signature
    (fit,) = [
        j for j in the_plan.jobs if j.stage == "fit-codec" and j.config["codec"] == "bls-task"
    ]
    assert fit.config["objective"] == {"task_beta": 0.5}
    (source,) = fit.inputs["classifier"]
    train = jobs[source].config
    assert jobs[source].stage == "train" and train["train_set"]["codec"] == "identity"
    assert (train["arch"], train["seed"]) == ("vgg11-5", 0)
    others = [j for j in the_plan.jobs if j.stage == "fit-codec" and j is not fit]
    assert all("classifier" not in j.inputs and "objective" not in j.config for j in others)
    group_of = {job.signature: i for i, g in enumerate(the_plan.groups()) for job in g.jobs}
    assert group_of[source] < group_of[fit.signature]
    coded = [j for j in the_plan.jobs if fit.signature in j.dependencies and j.stage != "report"]
    trained = [
        j for j in the_plan.jobs if j.stage == "train" and set(j.dependencies) & set(jobs_of(coded))
    ]
    assert {j.stage for j in coded} == {"check-codec", "encode"} and trained
    assert all(group_of[j.signature] > group_of[fit.signature] for j in coded + trained)


def task_fits(the_plan) -> list[Job]:
    return [j for j in the_plan.jobs if j.stage == "fit-codec" and j.config["codec"] == "bls-task"]


def jobs_of(jobs: list[Job]) -> list[str]:
    return [j.signature for j in jobs]


def test_the_classifier_job_is_planned_even_without_original_data_trainings():
    the_plan = plan("demo_cifar", ["original=false"])
    (fit,) = [
        j for j in the_plan.jobs if j.stage == "fit-codec" and j.config["codec"] == "bls-task"
    ]
    (source,) = fit.inputs["classifier"]
    jobs = the_plan.by_signature
    assert source in jobs and all(d in jobs for d in jobs[source].dependencies)
    trains = [j for j in the_plan.jobs if j.stage == "train"]
    assert [j.config["train_set"]["codec"] for j in trains].count("identity") == 1


def _fit_job(inputs: dict) -> Job:
    recipe = resolve_fit_recipe("thesis", {"epochs": 1, "max_steps_per_epoch": 2}, image_size=32)
    fit = recipe.as_config()
    config = {"codec": "bls-task", "level": 0.05, "dataset": SYNTHETIC, "fit": fit}
    return Job("fit-codec", config | {"objective": {"task_beta": 1.0}}, inputs)


def test_fit_codec_stage_reads_its_classifier_input(classifier, tmp_path):
    train = Job("train", {"arch": "vgg11-5", "n": 1})
    folder = write_job(tmp_path, train)
    checkpoint.save_atomic(classifier.model.state_dict(), folder / checkpoint.BEST)
    meta = {"arch": "vgg11-5", "num_classes": 10, "image_size": 32,
            "normalization": asdict(get_normalization("synthetic"))}  # as train writes  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta))
    job = _fit_job({"classifier": (train.signature,)})
    write_job(tmp_path, job)
    rows = fit_codec(JobContext(job=job, results_root=tmp_path, sweep="test"))["codec_fit"]
    assert rows["codec"].tolist() == ["bls-task"] and (rows["bpp"] > 0).all()


def test_fit_codec_stage_without_a_classifier_input_is_a_one_line_error(tmp_path):
    job = _fit_job({})
    write_job(tmp_path, job)
    with pytest.raises(ValueError, match="needs exactly one 'classifier' input") as err:
        fit_codec(JobContext(job=job, results_root=tmp_path, sweep="test"))
    assert "\n" not in str(err.value)


def test_rate_distortion_figure_shows_new_codecs_with_their_names_and_colours(
    tmp_path, monkeypatch
):
    rows = []
    for codec, level, bpp in [("bls", 0.01, 0.5), ("bls-ssim", 0.01, 0.4), ("jpeg", 10, 0.6)]:
        for i in range(3):
            rows.append(
                {"split": "train", "dataset": "cifar10", "codec": codec, "level": level}
                | {"bpp": bpp + 0.01 * i, "psnr": 25.0 + i, "ssim": 0.8 + 0.01 * i}
            )
    table = rate_distortion_data(pd.DataFrame(rows))
    assert set(table["codec"]) == {"bls", "bls-ssim", "jpeg"}
    legends = []

    def save_and_keep(fig, *args, **kwargs):
        handles, labels = fig.axes[0].get_legend_handles_labels()
        legends.append(
            {label: to_hex(h[0].get_color()) for h, label in zip(handles, labels, strict=True)}
        )
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(rate_distortion, "save", save_and_keep)
    draw_rate_distortion(table, tmp_path)
    assert legends[0] == {
        "BLS": to_hex("tab:blue"),
        "BLS-SSIM": to_hex("tab:cyan"),
        "JPEG": to_hex("tab:orange"),
    }
