"""An unknown key, sweep, executor, cluster profile or value among choices gets one line
under 300 characters with up to three of the closest valid names and a pointer to ``--help``
(grid/suggest.py, the one place that builds it; issue 26)."""

from __future__ import annotations

import pytest

from grid import launch, status
from grid.suggest import MAX_LINE, unknown_line

CASES = [
    ("train.epoch=2", "unknown key 'train.epoch'; did you mean train.epochs,"),
    ("epoch=2", "unknown key 'epoch'; did you mean epochs"),
    ("executor=locl", "unknown executor 'locl'; did you mean local? valid executors: auto,"),
    ("cluster=localhots", "unknown cluster 'localhots'; did you mean localhost?"),
    ("datasets=[cifar1]", "unknown dataset 'cifar1'; did you mean cifar10"),
    ("recipe=autor", "unknown recipe 'autor'; did you mean author?"),
    ("codecs.jpg=[10]", "unknown codec 'jpg'; did you mean jpeg?"),
    ("pack.evaluat=4", "unknown stage 'evaluat' in pack; did you mean evaluate?"),
    ("show=confg", "unknown show value 'confg'; did you mean config?"),
]


@pytest.mark.parametrize(("arg", "needle"), CASES, ids=[c[0] for c in CASES])
def test_unknown_name_is_one_short_did_you_mean_line_exit_2(tmp_path, capsys, arg, needle):
    results = tmp_path / "results"
    show = [] if arg.startswith("show=") else ["show=config"]
    code = launch.main(["sweep=demo", f"results={results}", *show, arg])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {needle}") and len(err) < MAX_LINE
    assert err.endswith("(see python -m grid.launch --help)") or err.endswith(
        "valid keys: see python -m grid.launch --help"
    )
    assert not results.exists()


def test_train_epoch_gets_the_short_line_instead_of_every_key(tmp_path, capsys) -> None:
    """Before issue 26 this was one 1,270-character line listing all 86 keys."""
    code = launch.main(["sweep=demo", "train.epoch=2", f"results={tmp_path}", "dry_run=true"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == (
        "error: unknown key 'train.epoch'; did you mean train.epochs, train.recipe, "
        "contrastive.epochs? valid keys: see python -m grid.launch --help"
    )


def test_status_replanning_with_a_typo_gets_the_same_line(tmp_path, capsys) -> None:
    assert status.main(["sweep=demo", f"results={tmp_path}", "train.epoch=2"]) == 2
    assert "did you mean train.epochs" in capsys.readouterr().err


def test_unknown_sweep_names_the_closest_and_lists_the_sweeps(capsys) -> None:
    assert launch.main(["sweep=robustnes", "show=config"]) == 2
    err = capsys.readouterr().err
    assert (
        "unknown sweep 'robustnes'; did you mean robustness? valid sweeps: classification," in err
    )


def test_a_line_that_would_pass_300_characters_drops_the_list_not_the_suggestions() -> None:
    valid = [f"setting_number_{i}" for i in range(40)]
    line = unknown_line("key", "setting_number_7x", valid)
    assert len(line) < MAX_LINE and line.endswith("valid keys: see python -m grid.launch --help")
    assert line.startswith("unknown key 'setting_number_7x'; did you mean setting_number_7,")
    assert line.count(",") == 2  # three suggestions at most


def test_nothing_close_lists_the_valid_names_without_a_guess() -> None:
    line = unknown_line("executor", "qqq", ["auto", "slurm", "local", "fake"])
    assert line == (
        "unknown executor 'qqq'; valid executors: auto, slurm, local, fake "
        "(see python -m grid.launch --help)"
    )


def test_a_missing_profile_path_is_named_in_full_however_long(tmp_path, capsys) -> None:
    """A cluster given as a .toml path that does not exist is named whole (a CI machine's
    temporary folders make such paths long), not cut to fit the line."""
    missing = tmp_path / ("deep-folder-name-" * 8) / "absent.toml"
    code = launch.main(["sweep=demo", f"results={tmp_path / 'r'}", f"cluster={missing}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"error: unknown cluster '{missing}'; valid clusters: default,"), err
