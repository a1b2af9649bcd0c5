"""Claims C3, C4 and C5 decide on hand-made per-image predictions: holds, does not hold,
undecided and not testable, each for the reason its rule gives."""

from __future__ import annotations

import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.claims import accuracy_at_rate, joined, robustness
from analysis.claims.base import Inputs
from analysis.evidence import Evidence
from analysis.load import Results, empty_missing
from analysis.stats import FAILS, HOLDS, UNDECIDED, UNTESTABLE
from lcc.evaluate.holdout import JUDGE, SELECT, in_part, part_mask

N_IMAGES = 600
N_JUDGED = int(part_mask(N_IMAGES, JUDGE).sum())  # about half (lcc.evaluate.holdout)
SCOPE = {"arch": "vgg11", "dataset": "cifar10"}


def _model(train_set, codec, level, p, seeds=3, eval_sets=("clean",), joined_=False,
           control_for=None, seed_offset=0):  # fmt: skip
    """Prediction rows of one training set: each image is right with probability ``p``
    (per eval set a fresh draw; CIFAR-10-C as two cells per image). The draws are seeded
    from the set's name by CRC-32, not ``hash()``, which Python salts per process: the data,
    and so each verdict, is the same in every run."""
    rng = np.random.default_rng([zlib.crc32(train_set.encode()), seed_offset])
    rows = []
    for seed in range(seeds):
        for eval_set in eval_sets:
            cells = 2 if eval_set == "cifar10c" else 1
            for _ in range(cells):
                hits = rng.random(N_IMAGES) < p
                rows.append(
                    pd.DataFrame(
                        {
                            **SCOPE,
                            "train_set": train_set,
                            "codec": codec,
                            "level": np.nan if level is None else float(level),
                            "joined": joined_,
                            "control_for": control_for,
                            "seed": seed,
                            "eval_set": eval_set,
                            "image_index": np.arange(N_IMAGES),
                            "top1": hits,
                            "top5": True,
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)


def _inputs(frames, rate_distortion=None, ranked=None) -> Inputs:
    tables = {"rate_distortion": rate_distortion if rate_distortion is not None else pd.DataFrame()}
    results = Results(Path("r"), "s", tables, None, empty_missing())
    derived = SimpleNamespace(ranked=ranked if ranked is not None else pd.DataFrame())
    evidence = Evidence.from_frame(pd.concat(frames, ignore_index=True))
    return Inputs(results, derived, evidence)


# --- C3 -----------------------------------------------------------------------------------


def _rates(sets: dict[tuple[str, float], float]) -> pd.DataFrame:
    """Train-split rate rows: (codec, level) -> coded bpp (estimated bpp 10 % above it)."""
    rows = []
    for (codec, level), bpp in sets.items():
        for image in range(4):
            row = {"dataset": "cifar10", "codec": codec, "split": "train", "level": level}
            row |= {"image_index": image, "pixels": 1024, "bits_actual": bpp * 1024}
            rows.append(row | {"bpp": bpp * 1.1})
    return pd.DataFrame(rows)


RATES = {("jpeg", 10.0): 0.4, ("jpeg", 50.0): 1.2, ("bls", 0.01): 0.6, ("bls", 0.1): 1.0}


def _c3(bls_p: float, seeds: int = 3) -> Inputs:
    frames = [
        _model("jpeg:10", "jpeg", 10, 0.5, seeds),
        _model("jpeg:50", "jpeg", 50, 0.6, seeds),
        _model("bls:0.01", "bls", 0.01, bls_p, seeds),
        _model("bls:0.1", "bls", 0.1, bls_p, seeds),
    ]
    return _inputs(frames, _rates(RATES))


def test_c3_holds_when_every_level_beats_jpeg_at_its_coded_rate():
    outcome = accuracy_at_rate.check(_c3(0.9))
    assert outcome.verdict == HOLDS
    assert len(outcome.comparisons) == 2
    assert all(c.n_seeds == 3 and c.n_images == N_JUDGED for c in outcome.comparisons)
    assert "estimated rates" in outcome.detail


def test_c3_does_not_hold_when_a_level_is_below_jpeg():
    assert accuracy_at_rate.check(_c3(0.3)).verdict == FAILS


def test_c3_does_not_hold_when_one_level_of_several_is_below_jpeg():
    """The thesis says "at all levels": one λ clearly above JPEG and one clearly below is not
    a majority question."""
    frames = [
        _model("jpeg:10", "jpeg", 10, 0.5),
        _model("jpeg:50", "jpeg", 50, 0.6),
        _model("bls:0.01", "bls", 0.01, 0.9),
        _model("bls:0.1", "bls", 0.1, 0.2),
    ]
    outcome = accuracy_at_rate.check(_inputs(frames, _rates(RATES)))
    assert sorted(c.verdict for c in outcome.comparisons) == [FAILS, HOLDS]
    assert outcome.verdict == FAILS


def test_c3_is_undecided_with_one_seed_and_says_why():
    outcome = accuracy_at_rate.check(_c3(0.9, seeds=1))
    assert outcome.verdict == UNDECIDED
    assert "one seed" in outcome.detail


def test_c3_interpolates_jpeg_at_the_coded_rate():
    """BLS λ=0.01 at 0.6 bpp lies a quarter of the way from q=10 (0.4) to q=50 (1.2)."""
    where = accuracy_at_rate.bracket(0.6, _rates(RATES).assign(
        coded_bpp=lambda f: f["bits_actual"] / f["pixels"]
    ).query("codec == 'jpeg'").drop_duplicates("level"), "coded_bpp")  # fmt: skip
    assert (where.low, where.high) == (10.0, 50.0)
    assert np.isclose(where.w, 0.75)


def test_c3_is_not_testable_without_jpeg():
    frames = [_model("bls:0.01", "bls", 0.01, 0.9)]
    outcome = accuracy_at_rate.check(_inputs(frames, _rates(RATES)))
    assert outcome.verdict == UNTESTABLE and "no JPEG" in outcome.detail


# --- C4 -----------------------------------------------------------------------------------


def _ranked(levels: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{**SCOPE, "method": "bda", "codec": c, "level": lv, "rank": 1} for c, lv in levels.items()]
    )


CHOSEN = {"bls": 0.01, "jpeg": 80.0, "noise": 0.1, "blur": 3.0}


def _c4(bls_p: float, seeds: int = 3) -> Inputs:
    c = ("cifar10c",)
    frames = [
        _model("original", "identity", None, 0.5, seeds, c),
        _model("bls:0.01", "bls", 0.01, bls_p, seeds, c),
        _model("bls:0.1", "bls", 0.1, 0.95, seeds, c),  # not BDA-chosen: never compared
        _model("jpeg:80", "jpeg", 80, 0.55, seeds, c),
        _model("noise:0.1", "noise", 0.1, 0.5, seeds, c),
        _model("blur:3", "blur", 3, 0.45, seeds, c),
    ]
    return _inputs(frames, ranked=_ranked(CHOSEN))


def test_c4_holds_when_bls_beats_the_original_and_every_rival_at_their_chosen_levels():
    outcome = robustness.check(_c4(0.8))
    assert outcome.verdict == HOLDS
    names = " ".join(c.name for c in outcome.comparisons)
    assert len(outcome.comparisons) == 4 and "λ=0.1 " not in names


def test_c4_does_not_hold_when_a_rival_is_above_bls():
    assert robustness.check(_c4(0.35)).verdict == FAILS


def test_c4_is_undecided_when_the_differences_are_within_noise():
    outcome = robustness.check(_c4(0.56, seeds=2))
    assert outcome.verdict == UNDECIDED
    assert all(np.isfinite(c.mde) for c in outcome.comparisons)


def test_c4_is_not_testable_without_an_original_model():
    frames = [_model("bls:0.01", "bls", 0.01, 0.8, 3, ("cifar10c",))]
    outcome = robustness.check(_inputs(frames, ranked=_ranked({"bls": 0.01})))
    assert outcome.verdict == UNTESTABLE and "original" in outcome.detail


# --- C5 -----------------------------------------------------------------------------------


def _c5(joined_p: float, seeds: int = 3, with_controls: bool = True) -> Inputs:
    both = ("clean", "cifar10c")
    frames = [
        _model("bls:top2", "bls", None, joined_p, seeds, both, joined_=True),
        _model("bls:0.01", "bls", 0.01, 0.3, seeds, both),
        _model("bls:0.1", "bls", 0.1, 0.3, seeds, both),
        _model("bls:top2:w=psnr", "bls", None, 0.1, seeds, both, joined_=True),  # left out
    ]
    if with_controls:
        frames += [
            _model("bls:top2:part1", "bls", 0.01, 0.6, seeds, both, control_for="bls:top2"),
            _model("bls:top2:part2", "bls", 0.1, 0.6, seeds, both, control_for="bls:top2"),
        ]
    ranked = pd.DataFrame(
        [{**SCOPE, "method": "bda", "codec": "bls", "level": lv, "rank": r}
         for r, lv in ((1, 0.01), (2, 0.1))]
    )  # fmt: skip
    return _inputs(frames, ranked=ranked)


def test_c5_holds_against_steps_matched_parts_on_clean_and_corrupt_accuracy():
    outcome = joined.check(_c5(0.85))
    assert outcome.verdict == HOLDS
    kinds = sorted(c.name.rsplit(", ", 1)[1] for c in outcome.comparisons)
    assert kinds == ["clean", "clean", "corrupt", "corrupt"]
    assert "w=psnr" not in outcome.measured
    assert "equal epochs" in outcome.detail


def test_c5_does_not_hold_when_the_steps_matched_parts_are_better():
    """Above the equal-epoch parts (0.3) but below the steps-matched ones (0.6)."""
    outcome = joined.check(_c5(0.45))
    assert outcome.verdict == FAILS
    assert "→ holds" in outcome.detail  # the thesis' equal-epoch comparison would pass


def test_c5_is_undecided_with_one_seed():
    assert joined.check(_c5(0.85, seeds=1)).verdict == UNDECIDED


def test_c5_is_not_testable_without_steps_matched_controls():
    outcome = joined.check(_c5(0.85, with_controls=False))
    assert outcome.verdict == UNTESTABLE
    assert "steps-matched" in outcome.detail
    assert "bls:top2 − BLS λ=0.01" in outcome.measured


def test_claims_are_judged_on_the_judged_images_only():
    """BLS is perfect on the selection images and poor on the judged ones:
    the evidence keeps odd indices only, and C4 follows the judged half."""
    frames = [
        _model(t, c, lv, p, 3, ("cifar10c",))
        for t, c, lv, p in [
            ("original", "identity", None, 0.5), ("jpeg:80", "jpeg", 80, 0.55),
            ("noise:0.1", "noise", 0.1, 0.5), ("blur:3", "blur", 3, 0.45),
        ]
    ]  # fmt: skip
    bls = _model("bls:0.01", "bls", 0.01, 0.35, 3, ("cifar10c",))
    bls.loc[in_part(bls["image_index"].to_numpy(), SELECT), "top1"] = True
    inputs = _inputs([*frames, bls], ranked=_ranked(CHOSEN))
    for arm in inputs.evidence.scores.values():
        assert all(in_part(s.image_index, JUDGE).all() for s in arm.values())
    outcome = robustness.check(inputs)
    assert outcome.verdict == FAILS
    assert all(c.n_images == N_JUDGED for c in outcome.comparisons)
