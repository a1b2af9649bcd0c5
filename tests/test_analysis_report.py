"""Loading a sweep from disk, the report (missing cells listed, every figure drawn; its
``index.html`` the same content as ``index.md``) and the ``select`` / ``report`` stages run
through a real JobContext."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest

import analysis.stages  # noqa: F401  (registers the select and report stages)
from analysis import catalogue
from analysis.catalogue import FIGURES, HEADLINE
from analysis.html import table_html
from analysis.load import load
from analysis.report import main, write_report
from analysis.synthetic_results import SweepSpec, write_synthetic_sweep
from grid.context import JobContext
from grid.job import Job
from grid.stages.registry import get_stage
from grid.store.folder import JobFolder
from grid.store.schemas import PROVENANCE, TABLES
from tests.test_analysis_handmade import robustness_evaluation

SKIPPED = "cifar10 vgg11 jpeg:60 seed 1"
SKIPPED_0 = "cifar10 vgg11 jpeg:60 seed 0"
TABLES_ON_DISK = ("rate_distortion", "codec_gate", "train_curve", "evaluation")
# The thesis' figures and tables (and the seed and ranking tables behind them) in the report.
THESIS_TABLES = {"Table 3.1", "Tables 3.2 / 3.3", "Table 4.1", "Table 4.2", "Table 4.3"}
# Figure 3.1 (codec-fit convergence) is absent: the synthetic rows hold no codec fits.
THESIS_ITEMS = (
    {f"Figure {spec.number}" for spec in FIGURES} - {"Figure 3.1"}
    | THESIS_TABLES
    | {"Seeds", "Rankings", "Codec gate"}
)
SPEC = SweepSpec(
    archs=("vgg11", "vgg11-5"),
    compressed_archs=("vgg11-5",),
    skip=(SKIPPED,),
    images=6,
    saved_images=4,
    fourier=True,
    gabor=True,
    saliency=True,
    contrastive=("bls",),
)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    return write_synthetic_sweep(tmp_path_factory.mktemp("results"), "demo", SPEC)


@pytest.fixture(scope="module")
def report_printed(sweep_dir) -> str:
    """What ``python -m analysis.report`` printed for ``sweep_dir`` (its report, written once)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main([str(sweep_dir)])
    return printed.getvalue()


def test_load_returns_typed_tables_and_the_missing_cells(sweep_dir):
    results = load(sweep_dir)
    for name, frame in results.tables.items():
        assert list(frame.columns) == [*TABLES[name].names, *PROVENANCE.names, "stage"]
    assert results.evaluation["codec"].dtype == "category"
    assert set(results.evaluation["stage"]) == {"evaluate"}
    # 5 training sets x 2 archs x 2 seeds, minus the skipped run, plus the BLS pair's
    # contrastive probe x 2 archs x 2 seeds
    assert results.evaluation["signature"].nunique() == 19 + 4
    assert sorted(results.missing["stage"]) == ["evaluate", "train"]
    assert set(results.missing["label"]) == {SKIPPED}
    assert set(results.missing["train_set"]) == {"jpeg:60"}  # evaluate described via its model
    assert results.settings == {"demo": {"synthetic": True, "seeds": 2}}  # per part


def test_a_job_done_with_zero_rows_is_not_missing(tmp_path):
    sweep = write_synthetic_sweep(tmp_path, "s", SweepSpec(skip=("cifar10 train identity:None",)))
    encode = next(j for j in load(sweep).missing.itertuples() if j.stage == "encode")
    folder = JobFolder(tmp_path, "encode", encode.signature)
    folder.rows_path("rate_distortion").parent.mkdir(parents=True)
    TABLES["rate_distortion"].empty_table().to_pandas().to_parquet(
        folder.rows_path("rate_distortion")
    )
    reasons = load(sweep).missing.query("stage == 'encode'")["reason"]
    assert reasons.tolist() == ["not run"]
    folder.mark_done({"rate_distortion": 0})
    assert "encode" not in set(load(sweep).missing["stage"])


def test_load_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        load(tmp_path / "nope")


class PageOutline(HTMLParser):
    """What a report page holds: headings (text, code spans included), images' ``src``, every
    ``href`` / ``src`` attribute, element counts, and the whole text."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.tags: dict[str, int] = {}
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("href", "src") and v is not None]
        if tag == "img":
            self.images.append(values)
        if tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def markdown_headings(text: str) -> list[str]:
    """The headings of a Markdown page, backticks removed."""
    return [
        re.sub(r"^#+ ", "", line).replace("`", "")
        for line in text.splitlines()
        if re.match(r"#{1,3} ", line)
    ]


def test_report_lists_missing_cells_and_draws_every_figure(sweep_dir, report_printed):
    index = sweep_dir / "report" / "index.md"
    assert report_printed.split() == [str(index), str(index.with_name("index.html"))]
    text = index.read_text()
    assert "## Missing cells (2)" in text and SKIPPED in text
    missing = load(sweep_dir).missing
    for signature in missing["signature"]:
        assert signature in text
    contents = _contents(sweep_dir)
    assert set(contents.index) >= THESIS_ITEMS
    assert set(contents.loc[list(THESIS_ITEMS), "status"]) == {"drawn"}
    for spec in FIGURES:
        assert f"Figure {spec.number}" in text
    pngs = sorted(p.stem for p in (sweep_dir / "report" / "figures").glob("*.png"))
    assert len(pngs) == len(FIGURES) - 1  # all but Figure 3.1 (no codec fits)
    for stem in pngs:
        assert (sweep_dir / "report" / "figures" / f"{stem}.csv").exists()
    refused = pd.read_csv(sweep_dir / "report" / "refused.csv")
    assert set(refused.query("kind == 'selection'")["codec"]) == {"jpeg"}  # its run is missing
    table = pd.read_csv(sweep_dir / "report" / "tables" / "table4_2.csv")
    ranked = table.dropna(subset=["level"])
    assert "jpeg" not in set(ranked.query("arch == 'vgg11'")["codec"])
    assert "jpeg" in set(ranked.query("arch == 'vgg11-5'")["codec"])  # complete there
    assert json.loads((sweep_dir / "report" / "settings.json").read_text())["demo"]["seeds"] == 2


def test_the_report_opens_with_the_headline_and_lists_each_item_once(sweep_dir, report_printed):
    """Claims, codec gate and the headline figures come first, before the bookkeeping
    (contents, rows, missing cells); every item of the catalogue has one section."""
    headings = markdown_headings((sweep_dir / "report" / "index.md").read_text())
    items = [h.split(" — ")[0] for h in headings if " — " in h]
    assert headings[1] == "Headline" and items[: len(HEADLINE)] == list(HEADLINE)
    contents_at = next(i for i, h in enumerate(headings) if h.startswith("Contents ("))
    assert contents_at == 2 + len(HEADLINE)  # the title, "Headline", its items, then Contents
    assert sorted(items) == sorted(s.name for s in (*catalogue.TABLES, *FIGURES))
    assert list(_contents(sweep_dir).index) == items  # contents.csv in page order


def test_report_page_is_self_contained_and_holds_what_index_md_holds(sweep_dir, report_printed):
    report = sweep_dir / "report"
    markdown = (report / "index.md").read_text()
    page = PageOutline((report / "index.html").read_text())
    assert page.headings == markdown_headings(markdown)
    # One HTML table per Markdown pipe table (their rule lines), none dropped or added.
    assert page.tags["table"] == len(re.findall(r"^\|---", markdown, flags=re.M))
    assert page.tags["script"] == 1 and "link" not in page.tags  # the inline load script only
    assert not [url for url in page.urls if re.match(r"[a-z]+://|//", url)]  # no network
    contents = _contents(sweep_dir)
    drawn = contents[(contents["kind"] == "figure") & (contents["status"] == "drawn")]
    assert [img["alt"] for img in page.images] == list(drawn.index)
    for img, file in zip(page.images, drawn["file"], strict=True):
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(data) == (report / file).read_bytes()
    text = "".join(page.text)
    for signature in load(sweep_dir).missing["signature"]:
        assert signature in text
    # every item drawn here but Figure 3.1 (no codec fits) and the soft-label table (no
    # data.soft_labels: tests/test_soft_labels_sweep.py draws it); the chapter-3-only sweep below
    # has more absent
    absent = list(contents.index[contents["status"] == "absent"])
    assert sorted(absent) == ["Figure 3.1", "Soft labels (§6.3)"] and text.count("Absent") == len(
        absent
    )


def test_html_table_escapes_cells_formats_numbers_as_markdown_and_shades_thesis_columns():
    frame = pd.DataFrame(
        {"codec": ["<b>bls</b> & co"], "psnr": [31.234567], "thesis_psnr": [30.0], "ok": [True]}
    )
    table = table_html(frame)
    assert "<td>&lt;b&gt;bls&lt;/b&gt; &amp; co</td>" in table
    assert '<td class="num">31.23</td>' in table  # %.4g, as index.md writes it
    assert '<th scope="col" class="num thesis">thesis_psnr</th>' in table
    assert '<td class="num thesis">30</td>' in table
    assert "<td>True</td>" in table  # booleans are not numbers
    assert table_html(frame.iloc[:0]) == '<p class="empty">(no rows)</p>'
    assert table.startswith('<div class="scroll"><table>')  # short: never scrolls down
    assert table_html(pd.concat([frame] * 26)).startswith('<div class="scroll tall"><table>')


def _write_job(root, job: Job, rows: pd.DataFrame | None = None) -> None:
    folder = JobFolder(root, job.stage, job.signature).path
    (folder / "rows").mkdir(parents=True, exist_ok=True)
    (folder / "job.json").write_text(json.dumps(job.to_dict()))
    if rows is not None:
        rows.to_parquet(folder / "rows" / "evaluation.parquet")


def test_select_stage_returns_selection_rows(tmp_path):
    evaluation = robustness_evaluation()
    signatures = []
    for (train_set, seed), rows in evaluation.groupby(["train_set", "seed"]):
        inputs = {"model": (f"train-{train_set}-{seed}",)}
        job = Job("evaluate", {"eval_sets": ["clean", "cifar10c"]}, inputs, label=train_set)
        _write_job(tmp_path, job, rows)
        signatures.append(job.signature)
    job = Job(
        "select", {"methods": ["bda", "bdad"], "top_k": 2}, {"evaluations": tuple(signatures)}
    )
    out = get_stage("select").fn(JobContext(job=job, results_root=tmp_path, sweep="test"))
    rows = out["selection"]
    assert set(rows.columns) == set(TABLES["selection"].names)
    top = rows[(rows["method"] == "bda") & (rows["codec"] == "bls")].sort_values("rank")
    assert top["level"].tolist()[:2] == [0.012, 0.1]
    assert set(rows["method"]) == {"bda", "bdad"}


def test_report_stage_writes_the_report_folder(tmp_path):
    write_synthetic_sweep(tmp_path, "mini", SweepSpec(seeds=1, saved_images=0))
    job = Job("report", {"sweep": "mini"}, label="mini report")
    stage = get_stage("report")
    assert stage.tables == ()
    assert stage.fn(JobContext(job=job, results_root=tmp_path, sweep="mini")) == {}
    text = (tmp_path / "mini" / "report" / "index.md").read_text()
    assert "## Missing cells (0)" in text
    assert "_Absent: figure 4.7: no data" in text  # no images were saved
    contents = pd.read_csv(tmp_path / "mini" / "report" / "contents.csv").set_index("name")
    assert contents.loc["Figure 4.7", "status"] == "absent"
    assert contents.loc["Figure 4.1", "status"] == "drawn"


def _contents(sweep_dir) -> pd.DataFrame:
    """The report's ``contents.csv`` indexed by figure / table name."""
    return pd.read_csv(sweep_dir / "report" / "contents.csv").set_index("name")


def test_report_without_corrupted_evaluation_says_chapter_4_is_absent_and_why(tmp_path):
    sweep = write_synthetic_sweep(tmp_path, "ch3", SweepSpec(seeds=1, corruptions=()))
    text = write_report(sweep).read_text()
    contents = _contents(sweep)
    for name in ("Table 4.2", "Table 4.3", "Rankings", "Figure 4.1", "Figure 4.7"):
        assert contents.loc[name, "status"] == "absent"
        assert contents.loc[name, "reason"].startswith("no selection in this sweep")
    assert contents.loc["Table 4.1", "reason"] == "no evaluation on CIFAR-10-C in this sweep"
    for name in ("Table 3.1", "Seeds", "Figure 3.2", "Figure 3.4"):
        assert contents.loc[name, "status"] == "drawn"
    assert "_Absent: no selection in this sweep" in text
    assert not (sweep / "report" / "tables" / "table4_2.csv").exists()
    page = (sweep / "report" / "index.html").read_text()
    assert '<p class="absent">Absent: no selection in this sweep' in page
    assert (
        '<h3 id="figure-4-1-bda-mean-accuracy-over-corruptions-vs-severity-judged-half-95-bands">'
        in page
    )
    toc = page[page.index('<nav class="toc">') : page.index("</nav>")]
    assert '<li class="absent"><a href="#figure-4-1-bda-mean-accuracy' in toc  # greyed, marked
    assert '<li><a href="#figure-3-2-rate-distortion' in toc  # drawn: not marked
    # The page opens on the headline; the contents list follows it, before the bookkeeping.
    headline, nav = page.index('<h2 id="headline">'), page.index('<nav class="toc">')
    assert page.index('<p class="legend">') < headline < nav
    assert nav < page.index("<h2 ", headline + 1)


def test_report_of_a_sweep_without_rows_lists_every_job_missing_and_draws_nothing(tmp_path):
    sweep = write_synthetic_sweep(tmp_path, "empty", SweepSpec(seeds=1))
    planned = len(load(sweep).plan.jobs)
    for table in TABLES_ON_DISK:
        shutil.rmtree(sweep / table, ignore_errors=True)
    text = write_report(sweep).read_text()
    contents = _contents(sweep)
    drawn = set(contents.index[contents["status"] == "drawn"])
    assert drawn & THESIS_ITEMS == {"Tables 3.2 / 3.3"}  # parameter counts need no rows
    claims = pd.read_csv(sweep / "report" / "tables" / "claims.csv").set_index("claim")
    # Drawn all the same: every claim that needs rows says why it is not testable.
    assert set(claims.loc[["C1", "C2", "C3", "C4", "C5"], "verdict"]) == {"not testable"}
    assert contents.loc["Seeds", "reason"] == "no finished training in this sweep"
    assert f"## Missing cells ({planned})" in text


def test_missing_cells_carry_the_error_of_the_failed_attempt(tmp_path):
    sweep = write_synthetic_sweep(tmp_path, "partial", SweepSpec(seeds=1, skip=(SKIPPED_0,)))
    train = load(sweep).missing.query("stage == 'train'").iloc[0]
    JobFolder(tmp_path, "train", train["signature"]).mark_failed("RuntimeError: out of memory")
    write_report(sweep)
    missing = pd.read_csv(sweep / "report" / "missing.csv").set_index("stage")
    assert missing.loc["train", "error"] == "RuntimeError: out of memory"
    assert pd.isna(missing.loc["evaluate", "error"])  # never attempted: no error recorded


def test_a_rewritten_report_keeps_no_figure_or_table_its_rows_no_longer_support(tmp_path):
    sweep = write_synthetic_sweep(tmp_path, "shrinking", SweepSpec(seeds=1, saved_images=0))
    write_report(sweep)
    assert (sweep / "report" / "figures" / "fig4_1.png").exists()
    shutil.rmtree(sweep / "evaluation")
    write_report(sweep)
    assert not (sweep / "report" / "figures" / "fig4_1.png").exists()
    assert not (sweep / "report" / "tables" / "table4_2.csv").exists()
    assert (sweep / "report" / "tables" / "table3_1.csv").exists()
