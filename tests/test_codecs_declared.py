"""A codec is declared once (lcc/specs/codecs.py) and everything else derives from that
declaration: the builder, the sweep expansion, the labels and the report. The proof is a toy
learned codec that exists only in this module: its declaration, its network class and the
two lines that register them (the fixture :func:`toy`); nothing in lcc, grid or analysis names
it, and it is planned, named in figures and tables, fitted, used and reported like BLS.

The checklist this follows: docs/ARCHITECTURE.md, "Adding a codec".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import torch
from compressai.entropy_models import EntropyBottleneck
from compressai.layers import GDN
from compressai.models import CompressionModel
from compressai.models.utils import conv, deconv
from torch import Tensor, nn

import grid
from analysis.labels import codec_name, rate_codecs, set_label, thesis_learned_codecs
from grid.launch import launch
from lcc import codecs
from lcc.codecs.architectures import NETWORKS, Analysis, arch_record, build_model, network
from lcc.codecs.architectures import param_count as network_params
from lcc.specs.codecs import CODECS, CodecSpec, learned, learned_params, register
from tests.test_sweeps_end_to_end import SHRINK

TOY = "toy-prior"


class ToyPrior(CompressionModel):
    """A factorized prior two stride-2 convolutions deep (padding multiple 4)."""

    def __init__(self, filters: int) -> None:
        super().__init__()
        self.entropy_bottleneck = EntropyBottleneck(filters)
        self.g_a = nn.Sequential(conv(3, filters, 5, 2), GDN(filters), conv(filters, filters, 5, 2))
        self.g_s = nn.Sequential(
            deconv(filters, filters, 5, 2), GDN(filters, inverse=True), deconv(filters, 3, 5, 2)
        )

    @property
    def downsampling_factor(self) -> int:
        return 2 * 2

    def analyse(self, x: Tensor) -> Analysis:
        y = self.g_a(x)
        y_hat, y_lik = self.entropy_bottleneck(y)
        return Analysis(self.g_s(y_hat), [y_lik], {"y": y})

    def forward(self, x: Tensor) -> dict:
        result = self.analyse(x)
        return {"x_hat": result.x_hat, "likelihoods": {"y": result.likelihoods[0]}}


# 8 filters: 5,059 parameters, entropy bottleneck included (the first test checks it).
TOY_SPEC = learned(
    TOY,
    "Toy prior",
    "mse",
    in_thesis=False,
    datasets=("synthetic",),
    arch={"filters": 8},
    params=5_059,
)

# future_codecs_cpu shrunk as every shipped sweep's end-to-end run is, to the synthetic data,
# JPEG q10 and the toy codec alone.
OVERRIDES = [
    *SHRINK,
    "datasets=[synthetic]",
    "codecs.jpeg=[10]",
    *(f"codecs.{name}=[]" for name in ("bls", "bls-ssim", "bls-task", "mbt-mean")),
    f"codecs.{TOY}=[0.1]",
]


@pytest.fixture(scope="module")
def toy() -> Iterator[CodecSpec]:
    """The toy codec registered (its declaration, then its network), and removed after."""
    register(TOY_SPEC)
    network(TOY)(ToyPrior)
    yield TOY_SPEC
    del CODECS[TOY], NETWORKS[TOY]
    arch_record.cache_clear()


def test_the_toy_s_declared_parameter_count_is_its_network_s(toy):
    assert learned_params(TOY) == network_params(TOY) == toy.params


def test_the_padding_multiple_is_read_from_the_model(toy):
    assert arch_record(TOY) == {"filters": 8, "multiple": 4}
    assert arch_record("mbt-mean")["multiple"] == 32  # not CompressAI's parent's 64


@pytest.mark.parametrize("name", [*[n for n, s in CODECS.items() if s.learned], TOY])
def test_an_input_of_one_multiple_has_a_one_pixel_deepest_latent(name, toy):
    """The declared multiple is the network's real downsampling: an input of that side is
    coded to 1x1 at the deepest latent (``z`` for the hyperpriors, else ``y``)."""
    model = build_model(name).eval()
    side = model.downsampling_factor
    with torch.no_grad():
        coding = model.analyse(torch.rand(1, 3, side, side)).coding
    assert coding.get("z", coding["y"]).shape[-2:] == (1, 1)


def test_the_registry_validates_and_refuses_as_declared(toy):
    codecs.validate(TOY, 0.1)
    assert codecs.is_learned(TOY) and codecs.objective_of(TOY) == "mse"
    with pytest.raises(ValueError, match=f"invalid level 0 for codec '{TOY}'"):
        codecs.validate(TOY, 0)
    with pytest.raises(ValueError, match="needs weights: a fit-codec job folder"):
        codecs.get(TOY, 0.1)
    with pytest.raises(ValueError, match=f"codec '{TOY}' registered twice"):
        register(TOY_SPEC)
    with pytest.raises(ValueError, match=f"codec '{TOY}' already has network ToyPrior"):
        network(TOY)(ToyPrior)


def test_a_declaration_that_contradicts_itself_is_refused():
    with pytest.raises(ValueError, match="learned codec 'x' needs datasets, arch, params"):
        learned("x", "X", "mse")
    with pytest.raises(ValueError, match="codec 'x' is not learned; remove datasets"):
        CodecSpec("x", False, int, "X", datasets=("cifar10",))
    with pytest.raises(ValueError, match="codec 'jpeg' is not learned"):
        network("jpeg")(ToyPrior)


def test_the_labels_name_the_toy_from_its_declaration(toy):
    assert codec_name(TOY) == "Toy prior" and set_label(TOY, 0.1) == "Toy prior λ=0.1"
    assert TOY in rate_codecs() and TOY not in thesis_learned_codecs()


def test_the_plan_fits_gates_encodes_and_trains_on_the_toy_on_its_datasets_only(toy):
    jobs = grid.plan("future_codecs_cpu", OVERRIDES).jobs
    toy_jobs = [job for job in jobs if job.config.get("codec") == TOY]
    stages = sorted(job.stage for job in toy_jobs)
    assert stages == ["check-codec", "encode", "fit-codec"]  # no test_on_compressed: train only
    assert all(job.config["dataset"]["name"] == "synthetic" for job in toy_jobs)
    trains = [job for job in jobs if job.stage == "train"]
    assert f"{TOY}:0.1" in {job.config["train_set"]["label"] for job in trains}
    tiny = [*OVERRIDES, "datasets=[synthetic-tiny]", "archs=[vgg11]"]
    elsewhere = grid.plan("future_codecs_cpu", tiny).jobs
    assert elsewhere and TOY not in {job.config.get("codec") for job in elsewhere}


@pytest.mark.slow
def test_the_toy_is_fitted_used_and_reported_like_any_learned_codec(toy, tmp_path: Path):
    outcome = launch(["sweep=future_codecs_cpu", *OVERRIDES, f"results={tmp_path}"])
    assert outcome is not None and outcome.failed == {}
    report = tmp_path / "future_codecs_cpu" / "report"
    assert TOY in (report / "index.md").read_text()
    table_3_1 = pd.read_csv(report / "tables" / "table3_1.csv").set_index("codec")
    assert table_3_1.loc[TOY, "setting"] == "λ=0.1"  # its declared level notation
    assert table_3_1.loc[TOY, "bpp_mean"] > 0  # a rate codec: its encodes have a bit rate
    for figure in ("fig3_2", "fig3_4"):  # rate-distortion, accuracy vs rate: rate codecs only
        assert TOY in set(pd.read_csv(report / "figures" / f"{figure}.csv")["codec"])
    gate = pd.read_csv(report / "tables" / "codec_gate.csv")
    assert gate["codec"].tolist() == [TOY]  # the only learned codec, gated against JPEG
