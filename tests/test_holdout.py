"""The held-out split of the test images (lcc.evaluate.holdout): two disjoint parts covering
every image, by a fixed hash of its row, the same whatever the number of images, and free of
the class-interleaved order a limit keeps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lcc.data.dataset import balanced_order
from lcc.evaluate.holdout import JUDGE, PARTS, SELECT, in_part, part_mask, part_of

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("n", [1, 2, 7, 2000, 10_000])
def test_the_parts_are_disjoint_and_cover_every_image(n):
    select, judge = part_mask(n, SELECT), part_mask(n, JUDGE)
    assert select.dtype == judge.dtype == bool and select.shape == judge.shape == (n,)
    assert not (select & judge).any() and (select | judge).all()
    assert abs(int(select.sum()) - n / 2) <= max(1, 4 * np.sqrt(n) / 2)  # a fair coin per image


def test_the_part_is_the_lowest_bit_of_splitmix64_of_the_row():
    """Reference values of splitmix64 (seed 0 advanced i + 1 times), computed by hand here."""

    def splitmix64(i: int) -> int:
        mask = 2**64 - 1
        z = (i + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    rows = np.array([0, 1, 2, 3, 10, 9_999])
    want = [SELECT if splitmix64(int(i)) & 1 == 0 else JUDGE for i in rows]
    assert part_of(rows).tolist() == want
    assert in_part(rows, SELECT).tolist() == [w == SELECT for w in want]
    assert PARTS == (SELECT, JUDGE) == ("select", "judge")


def test_every_class_of_a_class_interleaved_limit_is_split_about_in_half():
    """A limit keeps images in balanced order (class = row mod 10): parity of the row would
    put classes 0, 2, ... in the selection part and 1, 3, ... in the judged one."""
    labels = np.repeat(np.arange(10), 1000)
    order = balanced_order(labels)[:2000]
    select = part_mask(2000, SELECT)
    for label in range(10):
        share = select[labels[order] == label].mean()
        assert 0.35 <= share <= 0.65, (label, share)


def test_an_image_keeps_its_part_whatever_the_number_of_images():
    whole = part_mask(10_000, JUDGE)
    for limit in (1, 999, 2000):
        assert (part_mask(limit, JUDGE) == whole[:limit]).all()
    shuffled = np.random.default_rng(0).permutation(10_000)
    assert (in_part(shuffled, JUDGE) == whole[shuffled]).all()


def test_an_unknown_part_is_one_line_listing_the_valid_ones():
    for call in (lambda: part_mask(4, "test"), lambda: in_part(np.arange(4), "test")):
        with pytest.raises(ValueError) as error:
            call()
        assert str(error.value) == "unknown part 'test'; valid parts: select, judge"


def test_the_split_loads_no_torch():
    """analysis reads the split (docs/ARCHITECTURE.md, "Layering"): importing it, through the
    lcc.evaluate package, must not import torch."""
    code = "import sys, lcc.evaluate.holdout; assert 'torch' not in sys.modules, 'torch'"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
