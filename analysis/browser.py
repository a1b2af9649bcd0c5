"""A report page in headless Chromium: its DOM after load, and a screenshot.

``python -m analysis.browser REPORT PNG [--width W] [--height H]`` renders ``REPORT`` (a report
folder or its ``index.html``) from a ``file://`` URL, writes a ``W`` x ``H`` CSS-pixel
screenshot (``--height 0``: the whole page) and prints how many figures decoded; exit code 1
when one did not. The report's inline script (:data:`analysis.html.SCRIPT`) records each
``<img>``'s ``naturalWidth`` (0: not decoded) and the page height in ``data-`` attributes
that the DOM dump shows. Uses Debian's ``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from analysis.html import INDEX_HTML

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# Time Chromium's clock may advance, in ms, before it dumps or shoots: load events have run.
VIRTUAL_TIME_MS = 10_000
TIMEOUT_S = 120


def find_chromium() -> str | None:
    """The first of :data:`CHROMIUM_NAMES` on ``PATH``, or None."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def page_path(report: str | Path) -> Path:
    """``report``'s ``index.html`` when it is a folder, else ``report``; must exist."""
    page = Path(report) / INDEX_HTML if Path(report).is_dir() else Path(report)
    if not page.is_file():
        raise FileNotFoundError(f"no report page at {page}")
    return page.resolve()


def _chromium(page: Path, *flags: str) -> str:
    """Run headless Chromium on ``page``'s ``file://`` URL with ``flags``; returns stdout."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError(f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            binary,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            *flags,
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"chromium exited {done.returncode}: {' / '.join(tail)}")
    return done.stdout


def dump_dom(page: Path, width: int = 1280) -> str:
    """``page``'s DOM, serialized after its load event has run in a ``width``-pixel window."""
    return _chromium(page, f"--window-size={width},800", "--dump-dom")


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """A ``width`` x ``height`` (CSS pixels) PNG of the top of ``page``; returns ``png``."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    _chromium(page, f"--window-size={width},{height}", f"--screenshot={png}")
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot at {png}")
    return png


class _LoadRecord(HTMLParser):
    """Collects the ``data-`` attributes the report's load script writes."""

    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int | None] = []
        self.body: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            width = dict(attrs).get("data-natural-width")
            self.widths.append(None if width is None else int(width))
        elif tag == "body":
            self.body = dict(attrs)


def image_widths(dom: str) -> list[int | None]:
    """Each ``<img>``'s decoded width in pixels, in page order (None: the script never ran)."""
    record = _LoadRecord()
    record.feed(dom)
    return record.widths


def page_height(dom: str) -> int | None:
    """The page's height in CSS pixels after load, or None when the script never ran."""
    record = _LoadRecord()
    record.feed(dom)
    height = record.body.get("data-page-height")
    return None if height is None else int(height)


def main(argv: list[str] | None = None) -> int:
    """Command line: screenshot a report page; exit 1 when a figure did not decode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="a report folder (results/<sweep>/report) or its page")
    parser.add_argument("png", help="where to write the screenshot")
    parser.add_argument("--width", type=int, default=1280, help="CSS pixels (default 1280)")
    parser.add_argument(
        "--height", type=int, default=2400, help="CSS pixels; 0: the whole page (default 2400)"
    )
    args = parser.parse_args(argv)
    page = page_path(args.report)
    dom = dump_dom(page, args.width)
    widths = image_widths(dom)
    height = args.height or page_height(dom) or 2400
    png = screenshot(page, Path(args.png), args.width, height)
    failed = sum(1 for w in widths if not w)
    print(f"{png}: {args.width}x{height}; {len(widths) - failed} of {len(widths)} figures decoded")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
