"""Cluster profiles (grid/profiles.py): every key, the merge order of partition / account /
qos / [sbatch] (top level, then resource class, then stage), the submitit mapping, and the
one-line error of each bad key or value."""

from __future__ import annotations

from pathlib import Path

import pytest

import grid.stages.builtin  # noqa: F401  (registers the stages)
from analysis import stages as analysis_stages  # noqa: F401  (registers select and report)
from grid.profiles import Resources, load_profile, profile_names
from grid.sbatch_options import SBATCH_OPTIONS, SET_BY_SUITE, SWITCHES
from grid.settings import SettingsError
from grid.stages.registry import get_stage

LAYERED = """
description = "layers"
partition = "general"
account = "lab"
qos = "normal"
max_mem_gb = 96
poll_interval_s = 15

[sbatch]
mail-type = "FAIL"
exclude = "node[01-03]"
constraint = "any"

[resources.cpu]
partition = "cpu"
cpus = 2
mem_gb = 4

[resources.gpu]
partition = "gpu"
qos = "gpu-normal"
cpus = 8
mem_gb = 32
gpus = 1
time_min = 600

[resources.gpu.sbatch]
constraint = "a100"
gres = "gpu:a100:1"

[stages.select]
partition = "short"
time_min = 10

[stages.train]
account = "big-lab"
mem_gb = 64

[stages.train.sbatch]
reservation = "lab"
exclusive = true
exclude = ""
"""


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_profile_given_as_a_path_is_read_with_every_new_key(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, LAYERED))
    assert profile.name == "mine"
    assert (profile.max_mem_gb, profile.poll_interval_s) == (96, 15)
    assert profile.sbatch == {"mail-type": "FAIL", "exclude": "node[01-03]", "constraint": "any"}
    assert profile.resources["gpu"] == Resources(cpus=8, mem_gb=32, gpus=1, time_min=600)


def test_partition_account_and_qos_take_the_most_specific_layer(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, LAYERED))
    encode_cpu = profile.submission("encode", "cpu")  # the class's partition, the top's rest
    assert (encode_cpu.partition, encode_cpu.account, encode_cpu.qos) == ("cpu", "lab", "normal")
    select = profile.submission("select", "cpu")  # the stage beats the class
    assert select.partition == "short" and select.resources.time_min == 10
    train = profile.submission("train", "gpu")
    assert (train.partition, train.account, train.qos) == ("gpu", "big-lab", "gpu-normal")
    assert train.resources == Resources(cpus=8, mem_gb=64, gpus=1, time_min=600)
    other = profile.submission("report", "unlisted")  # no class table: the top level
    assert (other.partition, other.resources) == ("general", Resources())


def test_sbatch_tables_merge_option_by_option_and_an_empty_value_drops_one(
    tmp_path: Path,
) -> None:
    profile = load_profile(write(tmp_path, LAYERED))
    assert profile.submission("encode", "cpu").sbatch == profile.sbatch
    assert profile.submission("evaluate", "gpu").sbatch == {
        "mail-type": "FAIL",
        "exclude": "node[01-03]",
        "constraint": "a100",  # the class beats the top level
        "gres": "gpu:a100:1",
    }
    assert profile.submission("train", "gpu").sbatch == {
        "mail-type": "FAIL",
        "constraint": "a100",
        "gres": "gpu:a100:1",
        "reservation": "lab",
        "exclusive": True,  # exclude = "" at the stage dropped the top level's
    }


def test_additional_parameters_name_options_as_submitit_takes_them(tmp_path: Path) -> None:
    train = load_profile(write(tmp_path, LAYERED)).submission("train", "gpu")
    assert train.additional_parameters() == {
        "account": "big-lab",
        "qos": "gpu-normal",
        "mail_type": "FAIL",
        "constraint": "a100",
        "gres": "gpu:a100:1",
        "reservation": "lab",
        "exclusive": True,
    }
    bare = load_profile("localhost").submission("encode", "cpu")
    assert bare.additional_parameters() == {} and bare.partition == ""


def test_resources_for_is_the_submissions_resources_and_refuses_a_class_function() -> None:
    profile = load_profile("example-gpu-cluster")
    assert profile.resources_for("encode", "gpu") == profile.submission("encode", "gpu").resources
    with pytest.raises(TypeError, match="resource_class"):
        profile.resources_for("encode", get_stage("encode").resources)


def test_retry_memory_doubles_up_to_max_mem_gb_and_stays_without_it(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, LAYERED))
    assert [profile.retry_mem_gb(m) for m in (4, 32, 64, 96)] == [8, 64, 96, 96]
    assert load_profile("default").retry_mem_gb(16) == 16  # max_mem_gb = 0


def test_every_shipped_profile_loads_and_the_example_shows_per_class_partitions() -> None:
    for name in profile_names():
        assert load_profile(name).poll_interval_s > 0
    example = load_profile("example-gpu-cluster")
    assert example.submission("encode", "cpu").partition == "cpu"
    assert example.submission("train", "gpu").partition == "gpu"
    assert example.sbatch and all(name in SBATCH_OPTIONS for name in example.sbatch)


def test_encodes_ask_for_a_gpu_only_for_a_learned_codec_and_analysis_runs_on_cpu() -> None:
    encode = get_stage("encode")
    classes = {c: encode.resource_class({"codec": c}) for c in ("jpeg", "noise", "blur", "bls")}
    assert classes == {"jpeg": "cpu", "noise": "cpu", "blur": "cpu", "bls": "gpu"}
    assert encode.resource_class({"codec": "identity"}) == "cpu"
    assert get_stage("train").resource_class({}) == "gpu"  # a class name: every job the same
    assert get_stage("select").resource_class({}) == get_stage("report").resource_class({}) == "cpu"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "partitoin = 'x'",
            "unknown profile mine.toml key 'partitoin'; did you mean partition? valid keys: see "
            "slurm/profiles/default.toml",
        ),
        ("[sbatch]\nconstrain = 'a100'", "unknown sbatch option 'constrain' in profile mine.toml"),
        ("[sbatch]\nconstrain = 'a100'", "[sbatch]; did you mean constraint,"),
        (
            "[sbatch]\nzzqq = 1",
            "unknown sbatch option 'zzqq' in profile mine.toml [sbatch]; "
            "valid sbatch options: see man sbatch",
        ),
        (
            "[resources.gpu.sbatch]\nmail_type = 'END'",
            "unknown sbatch option 'mail_type' in profile mine.toml [resources.gpu.sbatch]; "
            "did you mean mail-type?",
        ),
        (
            "[sbatch]\ntime = '10:00'",
            "sbatch option 'time' in profile mine.toml [sbatch] is set by the suite; use the "
            "profile key time_min in [resources.<class>] or [stages.<stage>]",
        ),
        ("[sbatch]\nmem = '4G'", "use the profile key mem_gb in [resources.<class>]"),
        ("[sbatch]\ncpus-per-task = 4", "use the profile key cpus in"),
        ("[sbatch]\ngpus-per-node = 2", "use the profile key gpus in"),
        ("[sbatch]\npartition = 'gpu'", "use the profile key partition (top level,"),
        ("[stages.train.sbatch]\naccount = 'x'", "[stages.train.sbatch] is set by the suite"),
        ("[sbatch]\nqos = 'x'", "use the profile key qos"),
        ("[sbatch]\nsignal = 'USR2@60'", "use the profile key signal_delay_s"),
        ("[sbatch]\narray = '0-9'", "max_array_size and array_parallelism"),
        ("[sbatch]\ndependency = 'afterok:1'", "'dependency' in profile mine.toml [sbatch] is set"),
        ("[sbatch]\ncomment = 'x'", "the launch intent's token"),
        ("[sbatch]\noutput = 'x'", "submitit's logs"),
        ("[sbatch]\nerror = 'x'", "submitit's logs"),
        ("[sbatch]\njob-name = 'x'", "lcc-<sweep>-<stage>"),
        ("[sbatch]\nwrap = 'x'", "'wrap' in profile mine.toml [sbatch] is a command-line switch"),
        ("[sbatch]\nexclusive = false", "must be a string, a whole number or true"),
        ("[sbatch]\nnice = 1.5", "'nice' in profile mine.toml [sbatch] must be a string"),
        ("[resources.gpu]\npartiton = 'g'", "unknown profile mine.toml [resources.gpu] key"),
        ("[resources.gpu]\npartition = 3", "[resources.gpu].partition must be a string, got 3"),
        ("[stages.trian]\ntime_min = 3", "unknown stage 'trian' in profile mine.toml [stages];"),
        ("[stages.train]\ncpu = 3", "unknown profile mine.toml [stages.train] key 'cpu'"),
        ("qos = 1", "profile mine.toml: qos must be a string, got 1"),
        ("max_mem_gb = -1", "profile mine: max_mem_gb must be a number >= 0, got -1"),
        ("poll_interval_s = 0", "profile mine: poll_interval_s must be > 0, got 0"),
        ("poll_interval_s = 'often'", "poll_interval_s must be a number >= 0, got 'often'"),
        (
            "max_mem_gb = 8\n[resources.gpu]\nmem_gb = 32",
            "profile mine: max_mem_gb 8 is below the mem_gb 32 of [resources.gpu]",
        ),
        (
            "max_mem_gb = 8\n[stages.train]\nmem_gb = 16",
            "max_mem_gb 8 is below the mem_gb 16 of [stages.train]",
        ),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_profile(write(tmp_path, text))
    line = str(caught.value)
    assert "\n" not in line
    assert message in line, line


def test_every_option_the_suite_sets_is_a_real_sbatch_option_and_no_switch_is() -> None:
    assert set(SET_BY_SUITE) <= set(SBATCH_OPTIONS)
    assert not set(SWITCHES) & set(SBATCH_OPTIONS)
