"""Per-image evidence: each model's scores on the judged test images, paired across arms.

The ``predictions`` table (grid/store/schemas.py) holds, per evaluation of a model's best
checkpoint, each test image's top-1 and top-5 hit. :class:`Evidence` reads it one evaluation
job at a time and keeps, per model and eval set, one score per image of a part of the test set
(:mod:`lcc.evaluate.holdout`; the *judged* part by default, the images no epoch or level was
chosen on): the hit on the thesis' metric (top-1, top-5 on Tiny ImageNet:
:func:`analysis.accuracy.accuracy_metric`), and for CIFAR-10-C the mean hit over the image's
(corruption, severity) cells. :meth:`Evidence.pair` lines up several arms (training sets) on
the seeds and images they share, as :mod:`analysis.stats` wants them: one ``(k seeds, n
images)`` float array per arm, row ``j`` the same seed and column ``i`` the same image in
every arm.

Memory: one float per (model, eval set, judged image), e.g. 60 models x 3 eval sets x 5,000
images = 0.9 M floats; the per-cell rows are never held for more than one job.

Scores per group of CIFAR-10-C cells (the figures' per-severity and per-corruption intervals)
-------------------------------------------------------------------------------------------
``Evidence.of(results, by=("severity",))`` (or ``("corruption",)``, ``("corruption",
"severity")``, or several of these at once) also keeps, per model and *group value* (severity
3, corruption ``fog``, ...), each judged image's mean hit over the cells of that group:
:meth:`Evidence.groups` lists the values, :meth:`Evidence.group_scores` gives one arm's ``(k,
n)`` scores there. Optional ``arms`` (columns :data:`ARM_COLUMNS`) makes an arm of cells of
*several* models, as the level choices BDAD (one level per corruption) and BDADS (one per
corruption and severity) do: an arm's score of image ``i`` in a group is the mean hit over the
arm's cells in that group, each taken from the model its row names, seed by seed. With
``arms`` only the models they name are read (files of other models are skipped by the plan,
without opening them), and their ungrouped scores are kept as without ``by``. Memory stays one
float per (arm, group, seed, judged image): cells are summed into the groups while one job's
rows are in memory and never kept.

:func:`evidence_of` is :meth:`Evidence.of` computed once per loaded :class:`Results` (a report
reads the predictions once for all its figures).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.accuracy import accuracy_metric
from analysis.load import Results
from analysis.plan import describe_job
from analysis.row_files import read_row_files
from analysis.view import table_files
from lcc.evaluate.holdout import JUDGE, check_part, in_part, part_mask

TABLE = "predictions"
MODEL_COLUMNS = ["arch", "dataset", "train_set", "codec", "level", "joined", "control_for", "seed"]
READ_COLUMNS = [*MODEL_COLUMNS, "eval_set", "image_index", "top1", "top5"]
CORRUPTED = "cifar10c"
# The columns a CIFAR-10-C cell is named by, in the order a group value lists them.
GROUP_COLUMNS = ("corruption", "severity")
# An arm of cells (Evidence.of's ``arms``): one row per (arm, model's train_set, cell filter);
# a null corruption or severity takes every value of it.
ARM_COLUMNS = ["arch", "dataset", "arm", "train_set", "corruption", "severity"]


@dataclass(frozen=True)
class ImageScores:
    """One model's per-image scores on one eval set (one part of its test images).

    ``image_index``: int64 ``(n,)``, the images' rows in the test split, ascending;
    ``score``: float64 ``(n,)`` in [0, 1], the hit on the thesis' metric (mean over the
    image's cells for CIFAR-10-C); ``n_cells``: cells averaged per image (1 unless CIFAR-10-C).
    """

    image_index: np.ndarray
    score: np.ndarray
    n_cells: int


@dataclass(frozen=True)
class Paired:
    """Arms lined up for :mod:`analysis.stats`: ``scores[a]`` is arm ``a``'s float ``(k, n)``
    array over ``seeds`` (int ``(k,)``) and ``images`` (int ``(n,)``, test-split rows)."""

    names: tuple[str, ...]
    seeds: np.ndarray
    images: np.ndarray
    scores: tuple[np.ndarray, ...]

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def n_images(self) -> int:
        return len(self.images)


@dataclass
class Evidence:
    """Per-image scores of every evaluated model of a sweep, keyed by
    ``(arch, dataset, train_set, eval_set)`` then seed; ``models`` has one row per model
    (:data:`MODEL_COLUMNS`); ``part`` is the test-image part kept."""

    part: str
    scores: dict[tuple[str, str, str, str], dict[int, ImageScores]] = field(default_factory=dict)
    models: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MODEL_COLUMNS))
    # CIFAR-10-C scores per group of cells (``Evidence.of``'s ``by``): grouping (a tuple of
    # GROUP_COLUMNS) -> (arch, dataset, arm, group value) -> seed -> scores.
    grouped: dict[tuple[str, ...], dict[tuple, dict[int, ImageScores]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        check_part(self.part)

    @classmethod
    def of(
        cls,
        results: Results,
        part: str = JUDGE,
        by: Sequence[str] | Sequence[Sequence[str]] = (),
        arms: pd.DataFrame | None = None,
    ) -> Evidence:
        """The ``predictions`` rows of ``results``' sweep (its current view), part ``part``.

        ``by``: a grouping of the CIFAR-10-C cells (``("severity",)``, ``("corruption",)``,
        ``("corruption", "severity")``) or several, whose per-group scores are kept too
        (:meth:`group_scores`); ``arms``: arms of cells (:data:`ARM_COLUMNS`, module
        docstring) to group instead of one arm per model (named by its train_set), and the
        only models read. Without either, exactly the scores above.
        """
        groupings = groupings_of(by)
        routes = _Routes(arms)
        files = table_files(results.results_dir, TABLE, results.plan).current
        evidence = cls(part)
        sums = _GroupSums(groupings, routes)
        columns = [*READ_COLUMNS, *GROUP_COLUMNS] if groupings else READ_COLUMNS
        chunks = (
            _read(results, file, columns)
            for file in files
            if routes.may_hold(results.plan, file.signature)
        )
        return evidence._collect(chunks, routes, sums)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        part: str = JUDGE,
        by: Sequence[str] | Sequence[Sequence[str]] = (),
        arms: pd.DataFrame | None = None,
    ) -> Evidence:
        """The same from prediction rows already in memory (columns :data:`READ_COLUMNS`, and
        :data:`GROUP_COLUMNS` with ``by``), e.g. hand-made rows in tests; one model per (arch,
        dataset, train_set, seed). ``by`` and ``arms`` as in :meth:`of`."""
        evidence = cls(part)
        routes = _Routes(arms)
        sums = _GroupSums(groupings_of(by), routes)
        keys = ["arch", "dataset", "train_set", "seed"]
        chunks = (rows for _, rows in frame.groupby(keys, sort=True, observed=True))
        return evidence._collect(chunks, routes, sums)

    def _collect(self, chunks, routes: _Routes, sums: _GroupSums) -> Evidence:
        """Keep each chunk (one model's rows) that ``routes`` wants, as :meth:`_add` and in the
        group sums, one chunk in memory at a time; the models table and the groups at the end."""
        models = []
        for rows in chunks:
            if len(rows) and routes.holds(rows.iloc[0]):
                models.append(self._add(rows))
                sums.add(rows, self.part)
        if models:
            self.models = pd.DataFrame(models, columns=MODEL_COLUMNS)
        self.grouped = sums.finish()
        return self

    def _add(self, rows: pd.DataFrame) -> dict:
        """Keep one model's rows (all its eval sets) as :class:`ImageScores`; its model row."""
        first = rows.iloc[0]
        model = {c: (first[c] if c in rows else None) for c in MODEL_COLUMNS}
        hit = rows[accuracy_metric(str(first["dataset"]))].to_numpy(dtype=np.float64)
        index = rows["image_index"].to_numpy(dtype=np.int64)
        keep = part_mask(int(index.max()) + 1, self.part)[index]
        frame = pd.DataFrame(
            {"eval_set": rows["eval_set"].astype(str).to_numpy(), "image": index, "hit": hit}
        )[keep]
        for eval_set, part in frame.groupby("eval_set", sort=True):
            per_image = part.groupby("image", sort=True)["hit"].agg(["mean", "size"])
            cells = per_image["size"].unique()
            if len(cells) != 1:
                raise ValueError(
                    f"{_model_text(model)} {eval_set}: images have {sorted(cells)} cells each; "
                    "every image needs the same cells"
                )
            key = (str(model["arch"]), str(model["dataset"]), str(model["train_set"]), eval_set)
            self.scores.setdefault(key, {})[int(model["seed"])] = ImageScores(
                per_image.index.to_numpy(dtype=np.int64),
                per_image["mean"].to_numpy(dtype=np.float64),
                int(cells[0]),
            )
        return model

    def seeds(self, arch: str, dataset: str, train_set: str, eval_set: str) -> list[int]:
        """The seeds with scores of one arm on ``eval_set`` (ascending)."""
        return sorted(self.scores.get((arch, dataset, train_set, eval_set), {}))

    def has(self, arch: str, dataset: str, train_set: str, eval_set: str) -> bool:
        """Whether one arm has scores on ``eval_set``."""
        return bool(self.scores.get((arch, dataset, train_set, eval_set)))

    def pair(self, arch: str, dataset: str, train_sets: Sequence[str], eval_set: str) -> Paired:
        """The arms ``train_sets`` of one (arch, dataset) on ``eval_set``, on the seeds all of
        them have and the images all of them have (a ValueError naming an arm without scores,
        or arms averaged over different numbers of CIFAR-10-C cells)."""
        per_arm = []
        for train_set in train_sets:
            arm = self.scores.get((arch, dataset, train_set, eval_set))
            if not arm:
                raise ValueError(f"no {eval_set} predictions of {arch}/{dataset} {train_set}")
            per_arm.append(arm)
        cells = {s.n_cells for arm in per_arm for s in arm.values()}
        if len(cells) > 1:
            raise ValueError(
                f"{arch}/{dataset} {eval_set}: arms averaged over {sorted(cells)} cells per image"
            )
        seeds = sorted(set.intersection(*(set(arm) for arm in per_arm)))
        images = _common_images([arm[s] for arm in per_arm for s in seeds])
        scores = tuple(
            np.stack([_at(arm[s], images) for s in seeds]) if seeds else np.zeros((0, 0))
            for arm in per_arm
        )
        return Paired(tuple(train_sets), np.array(seeds, dtype=np.int64), images, scores)

    def groups(self, arch: str, dataset: str, arm: str, by: Sequence[str]) -> list[tuple]:
        """The group values (tuples in :data:`GROUP_COLUMNS` order, e.g. ``(3,)`` or
        ``("fog",)``) with CIFAR-10-C scores of ``arm`` under grouping ``by`` (sorted)."""
        kept = self.grouped.get(_grouping(by), {})
        return sorted(key[3] for key in kept if key[:3] == (arch, dataset, arm))

    def group_scores(
        self, arch: str, dataset: str, arm: str, by: Sequence[str], group: Any
    ) -> Paired:
        """One arm's CIFAR-10-C scores in one group (``group``: a value of :meth:`groups`, or
        the bare value for a one-column grouping) as a one-arm :class:`Paired`: its seeds
        (those whose every cell of the group was read), the images all of them have, and the
        ``(k, n)`` array. A ValueError when the arm has no scores there."""
        per_seed = self.grouped.get(_grouping(by), {}).get((arch, dataset, arm, _group(group)))
        if not per_seed:
            where = dict(zip(_grouping(by), _group(group), strict=False))
            raise ValueError(f"no CIFAR-10-C predictions of {arch}/{dataset} {arm} at {where}")
        seeds = sorted(per_seed)
        images = _common_images([per_seed[s] for s in seeds])
        scores = np.stack([_at(per_seed[s], images) for s in seeds])
        return Paired((arm,), np.array(seeds, dtype=np.int64), images, (scores,))

    def group_cells(self, arch: str, dataset: str, arm: str, by: Sequence[str], group: Any) -> int:
        """How many CIFAR-10-C cells each image's score averages in that group (0: none)."""
        per_seed = self.grouped.get(_grouping(by), {}).get((arch, dataset, arm, _group(group)))
        return next(iter(per_seed.values())).n_cells if per_seed else 0


def _common_images(all_scores: list[ImageScores]) -> np.ndarray:
    if not all_scores:
        return np.zeros(0, dtype=np.int64)
    common = all_scores[0].image_index
    for scores in all_scores[1:]:
        common = np.intersect1d(common, scores.image_index, assume_unique=True)
    return common


def _at(scores: ImageScores, images: np.ndarray) -> np.ndarray:
    """``scores.score`` at ``images`` (each present in ``scores.image_index``, ascending)."""
    return scores.score[np.searchsorted(scores.image_index, images)]


def _model_text(model: dict) -> str:
    return f"{model['arch']}/{model['dataset']} {model['train_set']} seed {model['seed']}"


def _read(results: Results, file, columns: Sequence[str] = READ_COLUMNS) -> pd.DataFrame:
    """One evaluation job's prediction rows (``columns`` of them), checked like every result
    file (:func:`analysis.row_files.read_row_files`: a bad file is one line)."""
    rows = read_row_files(
        results.results_dir, results.plan, TABLE, [(file, False)], columns=list(columns)
    )
    return rows.to_pandas()


# --- scores per group of CIFAR-10-C cells ----------------------------------------------------


def groupings_of(by: Sequence[str] | Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """``by`` as a tuple of groupings, each in :data:`GROUP_COLUMNS` order: ``()`` for none,
    ``("severity",)`` for one, ``[("severity",), ("corruption",)]`` for several; a one-line
    ValueError for anything else."""
    if isinstance(by, str):
        by = (by,)
    if not by:
        return ()
    several = [by] if all(isinstance(b, str) for b in by) else list(by)
    return tuple(dict.fromkeys(_grouping(g) for g in several))


def _grouping(by: Sequence[str]) -> tuple[str, ...]:
    """One grouping, checked, in :data:`GROUP_COLUMNS` order."""
    columns = (by,) if isinstance(by, str) else tuple(by)
    unknown = [c for c in columns if c not in GROUP_COLUMNS]
    if not columns or unknown or len(set(columns)) != len(columns):
        raise ValueError(
            f"invalid grouping {columns!r} of CIFAR-10-C cells; valid: a non-empty subset of "
            f"{', '.join(GROUP_COLUMNS)}"
        )
    return tuple(c for c in GROUP_COLUMNS if c in columns)


def _group(value: Any) -> tuple:
    """A group value as a tuple (a bare corruption or severity becomes a 1-tuple)."""
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    return tuple(_plain(v) for v in values)


def _plain(value: Any) -> Any:
    """A cell value as a plain Python str or int (None when null), for dictionary keys."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.integer | int | float | np.floating):
        return int(value)
    return str(value)


@dataclass(frozen=True)
class _Route:
    """One row of ``arms``: the cells of ``train_set``'s models that feed ``arm`` (a null
    filter takes every value); ``index`` numbers the row within its arm."""

    arm: str
    corruption: str | None
    severity: int | None
    index: int

    def takes(self, corruption: str, severity: int) -> bool:
        return (self.corruption is None or self.corruption == corruption) and (
            self.severity is None or self.severity == severity
        )

    def may_reach(self, grouping: tuple[str, ...], group: tuple) -> bool:
        """Whether this row can hold cells of ``group`` (a value of ``grouping``)."""
        mine = {"corruption": self.corruption, "severity": self.severity}
        return all(mine[c] is None or mine[c] == v for c, v in zip(grouping, group, strict=True))


class _Routes:
    """Which models' cells feed which arm: ``arms`` rows by (arch, dataset, train_set); with
    ``arms`` None each model is its own arm (named by its train_set), all its cells."""

    def __init__(self, arms: pd.DataFrame | None) -> None:
        self.every_model = arms is None
        self.by_model: dict[tuple[str, str, str], list[_Route]] = {}
        self.by_arm: dict[tuple[str, str, str], list[_Route]] = {}
        if arms is None:
            return
        missing = [c for c in ARM_COLUMNS if c not in arms]
        if missing:
            raise ValueError(f"arms lack column(s) {missing}; columns: {', '.join(ARM_COLUMNS)}")
        rows = arms[ARM_COLUMNS].astype(object).drop_duplicates()
        for arch, dataset, arm, train_set, corruption, severity in rows.itertuples(index=False):
            key = (str(arch), str(dataset), str(arm))
            route = _Route(
                str(arm), _plain(corruption), _plain(severity), len(self.by_arm.get(key, []))
            )
            self.by_arm.setdefault(key, []).append(route)
            self.by_model.setdefault((key[0], key[1], str(train_set)), []).append(route)

    def of(self, arch: str, dataset: str, train_set: str) -> list[_Route]:
        if self.every_model:
            return [_Route(train_set, None, None, 0)]
        return self.by_model.get((arch, dataset, train_set), [])

    def arm_routes(self, arch: str, dataset: str, arm: str) -> list[_Route]:
        if self.every_model:
            return [_Route(arm, None, None, 0)]
        return self.by_arm.get((arch, dataset, arm), [])

    def may_hold(self, plan, signature: str) -> bool:
        """Whether an evaluate job's file can hold a model of an arm (by the plan, unopened;
        True without arms, without a plan or for a job the plan does not describe)."""
        if self.every_model or plan is None or signature not in plan.by_signature:
            return True
        cell = describe_job(plan, plan.by_signature[signature])
        if cell.get("arch") is None or cell.get("train_set") is None:
            return True
        return bool(self.of(str(cell["arch"]), str(cell["dataset"]), str(cell["train_set"])))

    def holds(self, first_row: pd.Series) -> bool:
        """Whether the model of a job's rows (its first row) feeds some arm."""
        key = (str(first_row["arch"]), str(first_row["dataset"]), str(first_row["train_set"]))
        return bool(self.of(*key))


@dataclass
class _Sum:
    """Running sum of one (arm, group, seed): per image, the hits of the cells added so far;
    ``cells`` of them per image; ``routes`` the arm rows that contributed."""

    images: np.ndarray
    hits: np.ndarray
    cells: int = 0
    routes: set[int] = field(default_factory=set)

    def add(self, images: np.ndarray, hits: np.ndarray, cells: int, route: int) -> None:
        if not np.array_equal(images, self.images):  # keep the images both have
            self.images, mine, theirs = np.intersect1d(
                self.images, images, assume_unique=True, return_indices=True
            )
            self.hits, hits = self.hits[mine], hits[theirs]
        self.hits = self.hits + hits
        self.cells += cells
        self.routes.add(route)


class _GroupSums:
    """Sums the CIFAR-10-C hits of each model, one job's rows at a time, into the groups of
    every grouping and the arms its cells feed (:meth:`add`), then divides (:meth:`finish`)."""

    def __init__(self, groupings: tuple[tuple[str, ...], ...], routes: _Routes) -> None:
        self.groupings = groupings
        self.routes = routes
        self.sums: dict[tuple[str, ...], dict[tuple, dict[int, _Sum]]] = {g: {} for g in groupings}

    def add(self, rows: pd.DataFrame, part: str) -> None:
        """One model's prediction rows (all eval sets, all images; columns :data:`READ_COLUMNS`
        and :data:`GROUP_COLUMNS`)."""
        if not self.groupings:
            return
        first = rows.iloc[0]
        arch, dataset, train_set = (str(first[c]) for c in ("arch", "dataset", "train_set"))
        routes = self.routes.of(arch, dataset, train_set)
        corrupted = rows[(rows["eval_set"].astype(str) == CORRUPTED).to_numpy()]
        if corrupted.empty or not routes:
            return
        index = corrupted["image_index"].to_numpy(dtype=np.int64)
        keep = in_part(index, part)
        corrupted, index = corrupted[keep], index[keep]
        if corrupted.empty:
            return
        hit = corrupted[accuracy_metric(dataset)].to_numpy(dtype=np.float64)
        cell_frame = pd.DataFrame(
            {
                "corruption": corrupted["corruption"].astype(str).to_numpy(),
                "severity": corrupted["severity"].to_numpy(dtype=np.int64),
            }
        )
        cell_codes, cells = pd.MultiIndex.from_frame(cell_frame).factorize()
        images, image_codes = np.unique(index, return_inverse=True)
        matrix = np.zeros((len(cells), len(images)))
        present = np.zeros(matrix.shape, dtype=bool)
        matrix[cell_codes, image_codes] = hit
        present[cell_codes, image_codes] = True
        if not present.all():
            raise ValueError(
                f"{arch}/{dataset} {train_set} seed {first['seed']} {CORRUPTED}: cells hold "
                "different images; every cell needs the same images"
            )
        seed = int(first["seed"])
        named = [{"corruption": str(c), "severity": int(s)} for c, s in cells]
        for route in routes:
            taken = [j for j, cell in enumerate(named) if route.takes(**cell)]
            for grouping in self.groupings:
                members: dict[tuple, list[int]] = {}
                for j in taken:
                    members.setdefault(tuple(named[j][c] for c in grouping), []).append(j)
                for group, rows_of_group in members.items():
                    key = (arch, dataset, route.arm, group)
                    hits = matrix[rows_of_group].sum(axis=0)
                    per_seed = self.sums[grouping].setdefault(key, {})
                    if seed not in per_seed:
                        per_seed[seed] = _Sum(images.copy(), np.zeros(len(images)))
                    per_seed[seed].add(images, hits, len(rows_of_group), route.index)

    def finish(self) -> dict[tuple[str, ...], dict[tuple, dict[int, ImageScores]]]:
        """Mean hit per image of every (arm, group, seed) whose every arm row that can reach
        the group contributed (a seed lacking one of the arm's models is left out)."""
        out: dict[tuple[str, ...], dict[tuple, dict[int, ImageScores]]] = {}
        for grouping, keyed in self.sums.items():
            kept = out.setdefault(grouping, {})
            for key, per_seed in keyed.items():
                arch, dataset, arm, group = key
                expected = {
                    r.index
                    for r in self.routes.arm_routes(arch, dataset, arm)
                    if r.may_reach(grouping, group)
                }
                complete = {
                    seed: ImageScores(s.images, s.hits / s.cells, s.cells)
                    for seed, s in per_seed.items()
                    if s.routes == expected and len(s.images)
                }
                if complete:
                    kept[key] = complete
        return out


# --- one read per loaded sweep ---------------------------------------------------------------

_CACHE: dict[tuple, tuple[weakref.ref, Evidence]] = {}
CACHE_SIZE = 4


def evidence_of(
    results: Results,
    part: str = JUDGE,
    by: Sequence[str] | Sequence[Sequence[str]] = (),
    arms: pd.DataFrame | None = None,
) -> Evidence:
    """:meth:`Evidence.of` with these arguments, read once per :class:`Results` object.

    The report asks it for every figure (and may for the claims), so each distinct request is
    read from disk once per report. Keyed on the object's identity plus the arguments (``arms``
    by value), and valid only while that very object lives: a weak reference checks it and its
    collection drops the entry, so a new :class:`Results` that happens to get the same ``id``
    never sees another's evidence. A :class:`Results` is taken as read-only once loaded (as
    everywhere in the analysis). At most :data:`CACHE_SIZE` entries are held, oldest dropped
    first. The returned object is shared: do not modify it.
    """
    key = (id(results), part, groupings_of(by), _arms_key(arms))
    held = _CACHE.get(key)
    if held is not None and held[0]() is results:
        return held[1]
    evidence = Evidence.of(results, part, by, arms)
    _CACHE.pop(key, None)
    while len(_CACHE) >= CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (weakref.ref(results, lambda _ref, key=key: _drop(key, _ref)), evidence)
    return evidence


def _drop(key: tuple, ref: weakref.ref) -> None:
    """Forget ``key`` when the :class:`Results` it was read from is collected (only if the
    entry is still that object's)."""
    held = _CACHE.get(key)
    if held is not None and held[0] is ref:
        del _CACHE[key]


def _arms_key(arms: pd.DataFrame | None) -> tuple | None:
    if arms is None:
        return None
    rows = arms[ARM_COLUMNS].astype(object).drop_duplicates()
    return tuple(tuple(_plain(v) for v in row) for row in rows.itertuples(index=False))
