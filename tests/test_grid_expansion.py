"""Job counts of every sweep, derived here from the thesis axes (docs/FACTS.md §1), not from the
expansion code; and the sharing of identical jobs between cells and sweeps."""

from collections import Counter

import pytest

import grid
from grid.job import Job
from grid.plan import chain_lengths

JPEG3, JPEG4, LAMBDAS = 6, 7, 7
NOISE, BLUR, SEEDS = 6, 4, 3


def stage_counts(sweep: str, *overrides: str) -> Counter:
    return Counter(job.stage for job in grid.plan(sweep, list(overrides)).jobs)


def test_classification_counts() -> None:
    per_dataset_sets = JPEG3 + LAMBDAS + 1  # jpeg levels, one learned codec's λ, original
    trains = 2 * per_dataset_sets * 2 * SEEDS  # datasets × sets × archs × seeds
    assert stage_counts("classification") == {
        "fit-codec": 2 * LAMBDAS,  # BLS on CIFAR-10, BMHJ on Tiny ImageNet
        "gate-reference": 2,  # JPEG's gate curve on each dataset's test images, shared
        "check-codec": 2 * LAMBDAS,  # one quality gate per fitted codec
        "encode": 2 * (per_dataset_sets + 1),  # + the clean test split of each dataset
        "train": trains,
        "evaluate": trains,
        "report": 1,
    }


def test_param_reduction_counts() -> None:
    archs = 1 + 5 + 1 + 4  # VGG11, VGG11-1..5, ResNet18, RES18-1..4
    lambdas = 4
    trains = (lambdas + 1) * archs * SEEDS
    assert stage_counts("param_reduction") == {
        "fit-codec": lambdas,
        "gate-reference": 1,
        "check-codec": lambdas,
        "encode": (lambdas + 1) + lambdas + 1,  # train sets, compressed tests, clean test
        "train": trains,
        "evaluate": trains,
        "report": 1,
    }


def test_robustness_counts() -> None:
    sets = LAMBDAS + JPEG4 + NOISE + BLUR + 1
    # + the joined top-2 BLS set and its steps-matched controls (each part, twice the epochs)
    trains = sets * SEEDS + SEEDS + 2 * SEEDS
    assert stage_counts("robustness") == {
        "fit-codec": LAMBDAS,
        "gate-reference": 1,
        "check-codec": LAMBDAS,
        "encode": sets + 1,
        "prepare-cifar10c": 1,
        "train": trains,
        "evaluate": trains,
        "select": 1,
        "report": 1,
    }


def test_thesis_shares_identical_jobs() -> None:
    parts = [grid.plan(name) for name in ("classification", "param_reduction", "robustness")]
    union = {job.signature for p in parts for job in p.jobs if job.stage != "report"}
    thesis = [job for job in grid.plan("thesis").jobs if job.stage != "report"]
    assert {job.signature for job in thesis} == union
    assert len(thesis) < sum(len(p.jobs) - 1 for p in parts)  # CIFAR-10 JPEG q20 etc. shared
    jpeg20 = [
        j
        for j in thesis
        if j.stage == "encode"
        and j.config["level"] == 20
        and j.config["dataset"]["name"] == "cifar10"
        and j.config["split"] == "train"
    ]
    assert len(jpeg20) == 1


def test_one_jpeg_gate_reference_per_image_set_read_by_every_gate() -> None:
    the_plan = grid.plan("classification", ["datasets=[cifar10]"])
    refs = [j for j in the_plan.jobs if j.stage == "gate-reference"]
    assert [j.config["reference"] for j in refs] == ["test"]  # no data.tinyimagenet: skipped
    assert refs[0].config["jpeg_qualities"] == [1, *range(5, 100, 5)]
    gates = [j for j in the_plan.jobs if j.stage == "check-codec"]
    assert gates and all(j.inputs["reference"] == (refs[0].signature,) for j in gates)
    tiny = grid.plan("classification", ["datasets=[cifar10]", "data.tinyimagenet=/nowhere/tiny"])
    refs = [j for j in tiny.jobs if j.stage == "gate-reference"]
    assert [j.config["reference"] for j in refs] == ["test", "tiny-2x"]
    assert refs[1].config["dataset"]["name"] == "tinyimagenet"
    gates = [j for j in tiny.jobs if j.stage == "check-codec"]
    assert all(len(j.inputs["reference"]) == 2 for j in gates)


def test_encode_shared_by_every_arch_and_seed() -> None:
    the_plan = grid.plan("classification", ["datasets=[cifar10]"])
    jpeg20 = next(j for j in the_plan.jobs if j.label == "cifar10 train jpeg:20")
    readers = [j for j in the_plan.jobs if jpeg20.signature in j.inputs.get("train_data", ())]
    assert len(readers) == 2 * SEEDS


def test_overrides_narrow_axes() -> None:
    counts = stage_counts(
        "robustness",
        "seeds=1",
        "codecs.jpeg=[10,20]",
        "codecs.bls=[0.012]",
        "codecs.noise=[]",
        "codecs.blur=[]",
        "select.top_k=1",
        "epochs=2",
    )
    assert counts["train"] == (2 + 1 + 1) * 1 + 1
    the_plan = grid.plan("robustness", ["seeds=1", "epochs=2"])
    trains = [j for j in the_plan.jobs if j.stage == "train"]
    # the steps-matched controls of the top-2 join train its parts for twice the epochs
    epochs = {("control_for" in j.config["train_set"], j.config["recipe"]["epochs"])
              for j in trains}  # fmt: skip
    assert epochs == {(False, 2), (True, 4)}


def test_dependencies_come_first_in_groups() -> None:
    the_plan = grid.plan("demo")
    seen: set[str] = set()
    for group in the_plan.groups():
        for job in group.jobs:
            assert set(job.dependencies) <= seen, job.label
        seen |= {job.signature for job in group.jobs}
    assert seen == {job.signature for job in the_plan.jobs}


@pytest.mark.parametrize("sweep", ["demo", "thesis"])
def test_report_reads_every_job(sweep: str) -> None:
    the_plan = grid.plan(sweep)
    report = the_plan.jobs[-1]
    assert report.stage == "report"
    assert set(report.dependencies) == {j.signature for j in the_plan.jobs[:-1]}


def test_chain_lengths_count_the_longest_chain_of_readers_and_order_inputs_first() -> None:
    """A alone; B -> C -> D; B -> E. The local executor starts ready jobs longest chain first,
    an order in which every job still comes after its inputs."""
    a, b = Job("encode", {"i": "a"}), Job("encode", {"i": "b"})
    c = Job("train", {"i": "c"}, {"data": (b.signature,)})
    d = Job("evaluate", {"i": "d"}, {"model": (c.signature,)})
    e = Job("train", {"i": "e"}, {"data": (b.signature,)})
    lengths = chain_lengths([a, b, c, d, e])
    assert [lengths[j.signature] for j in (a, b, c, d, e)] == [1, 3, 2, 1, 1]
    the_plan = grid.plan("demo", [])
    lengths = chain_lengths(the_plan.jobs)
    order = sorted(the_plan.jobs, key=lambda job: -lengths[job.signature])
    seen: set[str] = set()
    for job in order:
        assert set(job.dependencies) <= seen, job.label
        seen.add(job.signature)
    fit_task = next(j for j in the_plan.jobs if j.stage == "fit-codec" and "bls-task" in j.label)
    fourier = [j for j in the_plan.jobs if j.stage == "fourier"]
    assert all(lengths[fit_task.signature] > lengths[f.signature] for f in fourier)
