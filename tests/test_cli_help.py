"""Every entry point explains itself (issue 26): ``--help`` / ``-h`` exits 0 and names the
sweeps, executors, cluster profiles and keys (``train.epochs``), generated from what it
describes: a key added to the settings shows up with no other edit."""

from __future__ import annotations

import pytest

from analysis import report
from grid import cancel, launch, settings, status, sweeps
from grid.profiles import profile_names
from tests.test_layering import run_python

GRID_ENTRIES = {"grid.launch": launch.main, "grid.status": status.main, "grid.cancel": cancel.main}


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("name", list(GRID_ENTRIES))
def test_grid_entry_help_exits_0_and_names_sweeps_executors_profiles_keys(
    capsys, name, flag
) -> None:
    assert GRID_ENTRIES[name]([flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m {name} sweep=NAME")
    for sweep in sweeps.names():
        assert f"\n  {sweep} " in out
    for word in ("slurm", "local", "fake", *profile_names()):
        assert f"\n  {word} " in out
    assert "\n  train.epochs=null " in out and "thesis: 30" in out
    assert "examples:\n" in out


def test_report_help_exits_0_and_names_sweeps_and_train_epochs(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        report.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert all(f"\n  {sweep} " in out for sweep in sweeps.names())
    assert "train.epochs" in out and "python -m grid.launch --help" in out


def test_a_key_added_to_the_settings_is_in_the_help_without_another_edit(
    capsys, monkeypatch
) -> None:
    monkeypatch.setitem(settings.DEFAULTS, "brand_new_key", 17)
    monkeypatch.setitem(settings.DEFAULTS, "train", {**settings.DEFAULTS["train"], "ema": 0.99})
    assert launch.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "\n  brand_new_key=17" in out and "\n  train.ema=0.99" in out


def test_a_meaning_declared_with_a_setting_is_its_help_line(capsys, monkeypatch) -> None:
    monkeypatch.setitem(settings.DEFAULTS, "brand_new_key", 17)
    monkeypatch.setitem(settings.MEANINGS, "brand_new_key", "what the new key means")
    assert status.main(["-h"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "brand_new_key" in x)
    assert line.split() == ["brand_new_key=17", "what", "the", "new", "key", "means"]


def test_every_declared_setting_has_a_one_line_meaning() -> None:
    leaves = [k for k in settings.valid_keys() if not isinstance(_get(k), dict) or k in
              ("codecs", "pack")]  # fmt: skip
    assert sorted(settings.MEANINGS) == sorted(leaves)
    assert all(m and "\n" not in m for m in settings.MEANINGS.values())


def _get(dotted: str):
    node = settings.DEFAULTS
    for part in dotted.split("."):
        node = node[part]
    return node


def test_help_of_one_sweep_shows_its_docstring_and_the_settings_it_sets(capsys) -> None:
    assert launch.main(["--help", "sweep=reproduce"]) == 0
    out = capsys.readouterr().out
    assert "sweep reproduce (grid/sweeps/reproduce.py):" in out
    assert "\n  train.epochs=8 " in out and "\n  archs=[vgg11-4,vgg11-5] " in out
    assert "sweep=reproduce show=config" in out


def test_help_of_a_sweep_made_of_parts_shows_each_part(capsys) -> None:
    assert cancel.main(["sweep=thesis", "--help"]) == 0
    out = capsys.readouterr().out
    for part in sweeps.load("thesis").PARTS:
        assert f"settings sweep {part} sets" in out


def test_help_of_an_unknown_sweep_is_one_did_you_mean_line_exit_2(capsys) -> None:
    assert launch.main(["--help", "sweep=thesi"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown sweep 'thesi'; did you mean thesis?")
    assert len(err.splitlines()) == 1 and len(err) < 300


def test_help_imports_no_torch_or_compressai() -> None:
    """Every sweep module is read for its docstring: none may pull torch in (future_work once
    did, through lcc.train.weights)."""
    done, names = run_python("-m", "grid.launch", "--help")
    assert done.returncode == 0 and "future_work" in done.stdout, done.stderr[-2000:]
    assert "grid" in names and not names & {"torch", "compressai"}
