"""The held-out split of the test images (lcc.evaluate.holdout): two disjoint parts covering
every image, by parity of the index, the same whatever the number of images."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lcc.evaluate.holdout import JUDGE, PARTS, SELECT, in_part, part_mask, part_of

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("n", [1, 2, 7, 2000, 10_000])
def test_the_parts_are_disjoint_and_cover_every_image(n):
    select, judge = part_mask(n, SELECT), part_mask(n, JUDGE)
    assert select.dtype == judge.dtype == bool and select.shape == judge.shape == (n,)
    assert not (select & judge).any() and (select | judge).all()
    assert (select.sum(), judge.sum()) == ((n + 1) // 2, n // 2)


def test_even_images_select_and_odd_images_judge():
    index = np.array([0, 1, 2, 3, 10, 9_999])
    assert part_of(index).tolist() == [SELECT, JUDGE, SELECT, JUDGE, SELECT, JUDGE]
    assert in_part(index, SELECT).tolist() == [True, False, True, False, True, False]
    assert np.flatnonzero(part_mask(6, SELECT)).tolist() == [0, 2, 4]
    assert PARTS == (SELECT, JUDGE) == ("select", "judge")


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
