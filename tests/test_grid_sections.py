"""The typed sections of the sweep settings (grid/sections.py; issue 23 item 5): ``select``,
``fourier`` and ``gate`` are built from the settings after overrides and refuse a bad value
with one line naming the key, the value and what is valid, before any job is expanded."""

from __future__ import annotations

from dataclasses import fields

import pytest

from grid.planner import resolve
from grid.sections import Fourier, Gate, Sections, Select
from grid.settings import DECLARED, DEFAULTS, SettingsError


def test_each_section_has_a_field_per_declared_key_and_no_other() -> None:
    declared = {name: set(DECLARED[name]) for name in ("select", "fourier", "gate")}
    assert declared == {
        "select": {"methods", "top_k", "joined", "weighting"},
        "fourier": {"enabled", "norm", "images", "batch_size", "seed"},
        "gate": {"images", "enforce"},
    }
    assert {f.name for f in fields(Select)} == declared["select"] | {"codecs"}
    assert {f.name for f in fields(Fourier)} == declared["fourier"]
    assert {f.name for f in fields(Gate)} == declared["gate"]


def test_the_defaults_build_the_documented_sections() -> None:
    sections = Sections.of(DEFAULTS)
    assert sections.select == Select(methods=(), top_k=2, joined=(), weighting=("none",))
    assert not sections.select.enabled
    assert sections.fourier == Fourier(enabled=False, norm=4.0, images=1000, batch_size=64, seed=0)
    assert sections.gate == Gate(images=1000, enforce=False)


def test_a_sweeps_sections_hold_its_values_as_tuples() -> None:
    settings = resolve("demo_cifar", ["select.weighting=[none,rank]"])["demo_cifar"]
    select = Select.of(settings)
    assert select.methods == ("bda", "bdad", "bdads") and select.joined == ("bls",)
    assert select.top_k == 2 and select.weighting == ("none", "rank") and select.enabled
    assert select.codecs["bls"] == (0.01, 0.1)
    assert Gate.of(settings) == Gate(images=200, enforce=False)


def test_a_null_weighting_rule_means_none() -> None:
    select = Select(methods=["bda"], top_k=1, joined=[], weighting=[None, "psnr"])
    assert select.weighting == ("none", "psnr")


def test_the_fourier_config_is_its_values_and_the_precision() -> None:
    fourier = Fourier(enabled=True, norm=2.0, images=8, batch_size=4, seed=1)
    assert fourier.config("fp32") == {
        "norm": 2.0, "images": 8, "seed": 1, "batch_size": 4, "precision": "fp32"
    }  # fmt: skip


BAD = [
    ("select.methods=bda", "select.methods must be a list (e.g. [a,b]); got 'bda'"),
    ("select.methods=[bda,bdx]", "unknown selection method 'bdx'; did you mean bda"),
    ("select.top_k=0", "select.top_k must be an integer >= 1; got 0"),
    ("select.top_k=true", "select.top_k must be an integer >= 1; got True"),
    ("select.top_k=1.5", "select.top_k must be an integer >= 1; got 1.5"),
    ("select.top_k=3", "select.top_k=3 needs at least 3 levels of joined codec 'bls', which has "
                       "[0.01, 0.1]; valid top_k for it: 1..2"),
    ("select.joined=bls", "select.joined must be a list (e.g. [a,b]); got 'bls'"),
    ("select.joined=[blss]", "unknown joined codec 'blss'; did you mean bls"),
    ("select.weighting=[]", "select.weighting must be a non-empty list of rules, got []"),
    ("select.weighting=[rank,linear]",
     "unknown weighting rule 'linear'; valid rules: none, rank, psnr"),
    ("fourier.enabled=1", "fourier.enabled must be true or false; got 1"),
    ("fourier.norm=true", "invalid fourier norm True; valid: a number > 0"),
    ("fourier.images=true", "invalid fourier images True; valid: an integer >= 1"),
    ("fourier.batch_size=-1", "invalid fourier batch_size -1; valid: an integer >= 1"),
    ("fourier.seed=-1", "fourier.seed must be an integer >= 0; got -1"),
    ("fourier.seed=false", "fourier.seed must be an integer >= 0; got False"),
    ("gate.images=0", "gate.images must be an integer >= 1 or null; got 0"),
    ("gate.images=true", "gate.images must be an integer >= 1 or null; got True"),
    ("gate.enforce=yes", "gate.enforce must be true or false; got 'yes'"),
]  # fmt: skip


@pytest.mark.parametrize(("override", "message"), BAD, ids=[case[0] for case in BAD])
def test_a_bad_section_value_is_one_line_when_the_settings_are_resolved(override, message):
    with pytest.raises(SettingsError) as err:
        resolve("demo_cifar", [override])
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_good_edge_values_are_accepted() -> None:
    settings = resolve("demo_cifar", ["gate.images=null", "select.top_k=1", "fourier.norm=1"])
    sections = Sections.of(settings["demo_cifar"])
    assert sections.gate.images is None and sections.select.top_k == 1
    assert sections.fourier.norm == 1
