"""A report's ``index.html`` in a real browser (headless Chromium, from a ``file://`` URL): every
figure decodes, the page shows the report's sections, and its screenshot is not blank.

Skipped when no Chromium is on PATH, except under CI (``CI=true``), where that fails: ``.ci/run``
installs Debian's ``chromium``, so the test cannot be skipped there unnoticed.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analysis.browser import dump_dom, find_chromium, image_widths, page_path, screenshot
from analysis.report import write_report
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from tests.test_analysis_report import PageOutline

SKIPPED = "cifar10 vgg11 jpeg:60 seed 0"  # a missing cell (and refused summaries) to show
SECTIONS = (  # in page order: what a reader came for, then the bookkeeping
    "Headline",
    "Claims",
    "Codec gate",
    "Figure 3.2",
    "Figure 3.4",
    "Figure 4.1",
    "Contents",
    "Rows",
    "Missing cells (2)",
    "Refused summaries",
    "Tables",
    "Figures",
    "Tie-breaking and refusal rules",
    "Sweep settings",
    "Provenance",
)
WIDTH, HEIGHT = 1280, 2400  # CSS pixels of the screenshot


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """A small real report: every figure drawn, two missing cells, refused summaries."""
    if find_chromium() is None:
        reason = "no chromium on PATH (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; under CI the browser test must run, not skip")
        pytest.skip(reason)
    spec = SweepSpec(seeds=1, images=4, saved_images=4, skip=(SKIPPED,))
    sweep = write_synthetic_sweep(tmp_path_factory.mktemp("results"), "browser", spec)
    return write_report(sweep).parent


@pytest.fixture(scope="module")
def dom(report_dir) -> str:
    return dump_dom(page_path(report_dir))


def test_every_drawn_figure_decodes_in_the_browser(report_dir, dom):
    contents = pd.read_csv(report_dir / "contents.csv")
    drawn = contents.query("kind == 'figure' and status == 'drawn'")
    assert len(drawn) >= 10  # the fixture's rows support (nearly) every figure
    widths = image_widths(dom)
    assert len(widths) == len(drawn)
    assert all(width is not None and width > 0 for width in widths), widths


def test_the_page_shows_every_section_and_the_missing_cells(report_dir, dom):
    page = PageOutline(dom)
    assert page.headings[0] == "Report: sweep browser"
    first = [next(i for i, h in enumerate(page.headings) if h.startswith(s)) for s in SECTIONS]
    assert first == sorted(first), list(zip(SECTIONS, first, strict=True))
    missing = pd.read_csv(report_dir / "missing.csv")
    text = "".join(page.text)
    assert set(missing["label"]) == {SKIPPED}
    for signature in missing["signature"]:
        assert signature in text


def test_the_screenshot_is_not_blank(report_dir, tmp_path):
    png = screenshot(page_path(report_dir), tmp_path / "report.png", WIDTH, HEIGHT)
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    grey = pixels.mean(axis=2)
    assert grey.std() > 10  # text, tables and rules on white, not one colour
    inked = (grey < 200).mean(axis=1) > 0  # rows of pixels with dark ink (text)
    assert inked[: HEIGHT // 2].mean() > 0.2 and inked[HEIGHT // 2 :].mean() > 0.2
