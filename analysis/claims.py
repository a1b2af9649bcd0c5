"""The thesis' claims table: does each headline claim hold on this sweep's rows?

One row per claim (C1..C6) with columns :data:`CLAIM_COLUMNS`. ``verdict`` is one of
:data:`VERDICTS`:

- ``"holds"``: the rows needed exist and satisfy the claim's rule (each claim function states
  its rule exactly);
- ``"does not hold"``: the rows exist and violate the rule;
- ``"not testable"``: the rows (or images) the rule needs are absent; ``detail`` says which.

Claim functions never raise on missing data. Accuracies are fractions in [0, 1] (shown in % and
differences in percentage points, pp); bit rates in bits per pixel (bpp); PSNR in dB.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from analysis.accuracy import with_accuracy
from analysis.derived import Derived
from analysis.figures.accuracy import training_quality
from analysis.figures.spectra import MAX_IMAGES, mean_log_spectrum
from analysis.images import find_image_set, image_sets
from analysis.labels import LEARNED_CODECS, level_text, set_label
from analysis.load import Results
from analysis.markdown import to_markdown
from analysis.thesis_numbers import JOINED_TOP_K, TABLE_3_1, TABLE_4_2

CLAIM_COLUMNS = ["claim", "statement", "measured", "thesis", "verdict", "detail"]
HOLDS, FAILS, UNTESTABLE = "holds", "does not hold", "not testable"
VERDICTS = (HOLDS, FAILS, UNTESTABLE)

# C2: a JPEG quality's mean bpp agrees with Table 3.1 when within this fraction of it.
RATE_TOLERANCE = 0.25
# C6: high frequencies are those farther than this fraction of the image size N from DC.
HIGH_FREQUENCY_RADIUS = 0.25
# C4: the augmentations BLS is compared with (Fig 4.1), besides the original data.
RIVAL_CODECS = ("jpeg", "noise", "blur")
SCOPE = ["arch", "dataset"]
CELL_KEYS = ["corruption", "severity"]
Q75_NOTE = (
    "the shared CIFAR-10 copy is stored as JPEG q75, so re-encoding it gives lower JPEG rates "
    "than the lossless release"
)


def _thesis_jpeg_rates(dataset: str) -> dict[float, float]:
    return {lv: b for (d, c, lv), b in TABLE_3_1.items() if d == dataset and c == "jpeg"}


# Claim id -> (statement, the thesis' number or text).
CLAIMS: dict[str, tuple[str, str]] = {
    "C1": (
        "Fig 3.2: the learned codec's PSNR and SSIM are above JPEG's at equal bit rate, per λ",
        "BLS/BMHJ above JPEG in PSNR and SSIM at all bit rates",
    ),
    "C2": (
        "Table 3.1: mean JPEG bit rate per quality of the training set (CIFAR-10; Tiny "
        "ImageNet too when encoded)",
        "q=1..60: " + ", ".join(f"{b:g}" for b in _thesis_jpeg_rates("cifar10").values()) + " bpp",
    ),
    "C3": (
        "Fig 3.4 / §3.3: classifiers trained on learned-codec data reach higher clean accuracy "
        "than JPEG-trained ones at equal training-set bit rate",
        "higher accuracy at all levels of compression, larger gap at low rates",
    ),
    "C4": (
        "Fig 4.1 / Table 4.2: BLS augmentation gives the best mean CIFAR-10-C accuracy, above "
        "original data, JPEG, Gaussian noise and blur (each at its best level)",
        f"BLS λ={TABLE_4_2['bls'][0]:g} best; JPEG q={TABLE_4_2['jpeg'][0]:g} next; "
        "all above original",
    ),
    "C5": (
        f"§4.3 / Figs 4.1, 4.3: the joined top-{JOINED_TOP_K} BDA BLS set beats each of its "
        "parts in mean CIFAR-10-C accuracy",
        "joined λ="
        + " + ".join(f"{lv:g}" for lv in TABLE_4_2["bls"][:JOINED_TOP_K])
        + " raises mean corrupt (and clean) accuracy",
    ),
    "C6": (
        "Fig 4.7 / §4.3: BLS-compressed training images keep more high-frequency energy than "
        "JPEG-compressed ones (BDA rank-1 sets)",
        "BLS preserves a wider range of frequencies than original, JPEG, noise and blur",
    ),
}


def claim_row(claim: str, verdict: str, measured: str, detail: str) -> dict[str, str]:
    """A claims-table row: ``claim``'s statement and thesis text plus the measured outcome."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r}; valid: {', '.join(VERDICTS)}")
    statement, thesis = CLAIMS[claim]
    return {
        "claim": claim,
        "statement": statement,
        "measured": measured,
        "thesis": thesis,
        "verdict": verdict,
        "detail": detail,
    }


def _untestable(claim: str, reason: str) -> dict[str, str]:
    return claim_row(claim, UNTESTABLE, "", reason)


def _objects(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """``frame`` with the given categorical/string columns as plain objects."""
    return frame.astype({c: object for c in columns if c in frame})


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _pp(x: float) -> str:
    return f"{100 * x:+.1f} pp"


def _scope_text(arch: str, dataset: str) -> str:
    return f"{arch}/{dataset}"


def _skipped(skipped: list[str]) -> str:
    return f"; not compared: {'; '.join(skipped)}" if skipped else ""


# --- C1: rate-distortion against JPEG (Fig 3.2), from the codec quality gate -----------------


def gate_candidates(codec_gate: pd.DataFrame | None) -> pd.DataFrame:
    """The gate's candidate rows of learned codecs (bls, bmhj), sorted by dataset/codec/level."""
    if codec_gate is None or codec_gate.empty:
        return pd.DataFrame(columns=["dataset", "codec", "level"])
    rows = _objects(codec_gate, ["dataset", "codec", "role"])
    rows = rows[(rows["role"] == "candidate") & rows["codec"].isin(LEARNED_CODECS)]
    return rows.sort_values(["dataset", "codec", "level"], kind="stable").reset_index(drop=True)


def claim_rate_distortion(codec_gate: pd.DataFrame | None) -> dict[str, str]:
    """C1 (Fig 3.2): per fitted λ, is the learned codec above JPEG in PSNR and SSIM?

    Input: the ``codec_gate`` table (candidate rows: margins = codec minus JPEG interpolated at
    the codec's coded rate, on held-out test images). Holds iff every candidate has
    ``psnr_margin > 0`` and ``ssim_margin > 0`` (a NaN margin fails). Candidates whose JPEG
    value was extrapolated beyond JPEG's measured rates count and are flagged. Not testable
    without candidate rows.
    """
    rows = gate_candidates(codec_gate)
    if rows.empty:
        return _untestable("C1", "no codec_gate candidate rows (no learned codec was gated)")
    several = rows["dataset"].nunique() > 1
    names = [
        (f"{d} " if several else "") + set_label(c, lv)
        for d, c, lv in zip(rows["dataset"], rows["codec"], rows["level"], strict=True)
    ]
    extrapolated = rows["extrapolated"].fillna(False).astype(bool).to_numpy()
    measured = "; ".join(
        f"{name}: {margin:+.2f} dB" + (" (extrapolated)" if flag else "")
        for name, margin, flag in zip(names, rows["psnr_margin"], extrapolated, strict=True)
    )
    ok = ((rows["psnr_margin"] > 0) & (rows["ssim_margin"] > 0)).to_numpy()
    flagged = [n for n, f in zip(names, extrapolated, strict=True) if f]
    note = f"; JPEG extrapolated beyond its rates at {', '.join(flagged)}" if flagged else ""
    if ok.all():
        detail = f"all {len(rows)} gated λ have PSNR and SSIM margins > 0{note}"
        return claim_row("C1", HOLDS, measured, detail)
    failing = [
        f"{name} (PSNR {p:+.2f} dB, SSIM {s:+.4f})"
        for name, p, s, good in zip(
            names, rows["psnr_margin"], rows["ssim_margin"], ok, strict=True
        )
        if not good
    ]
    detail = f"margin ≤ 0 (or NaN) at {len(failing)} of {len(rows)} λ: {', '.join(failing)}{note}"
    return claim_row("C1", FAILS, measured, detail)


# --- C2: JPEG bit rates against Table 3.1 ----------------------------------------------------


def jpeg_rates(rate_distortion: pd.DataFrame, codec_gate: pd.DataFrame | None) -> pd.DataFrame:
    """Mean JPEG bpp per (dataset, quality) of the datasets Table 3.1 covers.

    Per dataset: ``rate_distortion`` rows of the train split, else of the test split, else the
    ``codec_gate`` reference rows (``bpp``: content bits, start of scan to end of file).
    Columns: dataset, level, bpp, thesis_bpp, source.
    """
    thesis_datasets = {d for d, c, _ in TABLE_3_1 if c == "jpeg"}
    if rate_distortion.empty:
        rate_distortion = pd.DataFrame(columns=["dataset", "codec", "split", "level", "bpp"])
    rd = _objects(rate_distortion, ["dataset", "codec", "split"])
    rd = rd[(rd["codec"] == "jpeg") & rd["bpp"].notna() & rd["dataset"].isin(thesis_datasets)]
    gate = pd.DataFrame(columns=["dataset", "codec", "role", "level", "bpp"])
    if codec_gate is not None and len(codec_gate):
        gate = _objects(codec_gate, ["dataset", "codec", "role"])
        gate = gate[(gate["role"] == "reference") & (gate["codec"] == "jpeg")]
        gate = gate[gate["bpp"].notna() & gate["dataset"].isin(thesis_datasets)]
    parts = []
    for dataset in sorted(thesis_datasets):
        options = [
            (rd[(rd["dataset"] == dataset) & (rd["split"] == s)], f"rate_distortion {s} split")
            for s in ("train", "test")
        ]
        options.append((gate[gate["dataset"] == dataset], "codec_gate reference rows"))
        rows, source = next(((r, s) for r, s in options if len(r)), (None, ""))
        if rows is None:
            continue
        means = rows.groupby("level")["bpp"].mean().reset_index()
        thesis = _thesis_jpeg_rates(dataset)
        means["thesis_bpp"] = [thesis.get(float(lv), math.nan) for lv in means["level"]]
        parts.append(means.assign(dataset=dataset, source=source))
    if not parts:
        return pd.DataFrame(columns=["dataset", "level", "bpp", "thesis_bpp", "source"])
    table = pd.concat(parts, ignore_index=True)
    return table[["dataset", "level", "bpp", "thesis_bpp", "source"]]


def claim_jpeg_rates(
    rate_distortion: pd.DataFrame, codec_gate: pd.DataFrame | None = None
) -> dict[str, str]:
    """C2 (Table 3.1): are our mean JPEG bit rates those of the thesis?

    Rates: :func:`jpeg_rates`. Holds iff every JPEG quality that both we and Table 3.1 have lies
    within :data:`RATE_TOLERANCE` (relative) of the thesis' bpp. Not testable when no JPEG
    rates of a Table 3.1 dataset (CIFAR-10, Tiny ImageNet) at a Table 3.1 quality exist.
    """
    rates = jpeg_rates(rate_distortion, codec_gate)
    rates = rates[rates["thesis_bpp"].notna()]
    if rates.empty:
        return _untestable(
            "C2", "no JPEG bit rates of CIFAR-10 or Tiny ImageNet at a Table 3.1 quality"
        )
    rates = rates.assign(error=rates["bpp"] / rates["thesis_bpp"] - 1)
    several = rates["dataset"].nunique() > 1
    texts, outside = [], []
    for row in rates.itertuples(index=False):
        name = (f"{row.dataset} " if several else "") + level_text("jpeg", float(row.level))
        texts.append(f"{name}: {row.bpp:.2f} ({100 * row.error:+.0f} %)")
        if not abs(row.error) <= RATE_TOLERANCE:
            outside.append(name)
    notes = [f"tolerance ±{100 * RATE_TOLERANCE:.0f} % of Table 3.1"]
    notes += [f"{d}: {s}" for d, s in rates[["dataset", "source"]].drop_duplicates().to_numpy()]
    for dataset in rates["dataset"].unique():
        absent = set(_thesis_jpeg_rates(dataset)) - set(
            rates.loc[rates["dataset"] == dataset, "level"]
        )
        if absent:
            notes.append(f"{dataset} qualities not measured: {_levels(sorted(absent))}")
    if "cifar10" in set(rates["dataset"]):
        notes.append(Q75_NOTE)
    if outside:
        notes.insert(0, f"outside tolerance: {', '.join(outside)}")
    verdict = FAILS if outside else HOLDS
    return claim_row("C2", verdict, "; ".join(texts), "; ".join(notes))


def _levels(levels) -> str:
    return ", ".join(f"{float(lv):g}" for lv in levels)


# --- C3: clean accuracy against JPEG at equal training-set bit rate (Fig 3.4) ----------------


def rate_accuracy(best_epochs: pd.DataFrame, rate_distortion: pd.DataFrame) -> pd.DataFrame:
    """Clean accuracy of each single-level training set with its mean train-split bpp.

    ``best_epochs`` are best-of-seeds :func:`analysis.seeds.best_epoch` rows: the maximum
    test accuracy over epochs, the thesis' metric. ``accuracy`` (top-1 on CIFAR-10, top-5 on
    Tiny ImageNet) is added by :func:`analysis.accuracy.with_accuracy` when absent. Columns:
    arch, dataset, codec, level, accuracy, bpp (rows without a bpp are dropped).
    """
    columns = ["arch", "dataset", "codec", "level", "accuracy", "bpp"]
    if best_epochs.empty or rate_distortion.empty:
        return pd.DataFrame(columns=columns)
    rows = best_epochs if "accuracy" in best_epochs else with_accuracy(best_epochs)
    rows = _objects(rows, ["arch", "dataset", "codec", "eval_set"])
    rows = rows[(rows["eval_set"] == "clean") & ~rows["joined"].astype(bool)]
    rows = rows[rows["codec"].isin((*LEARNED_CODECS, "jpeg"))]
    table = rows.merge(training_quality(rate_distortion), on=["dataset", "codec", "level"])
    return table[columns].dropna(subset=["bpp", "accuracy"]).reset_index(drop=True)


def compare_at_rate(part: pd.DataFrame, learned: str) -> pd.DataFrame:
    """The learned codec's levels inside JPEG's bpp range, with JPEG interpolated there.

    ``part`` is :func:`rate_accuracy` rows of one (arch, dataset). Returns level, bpp,
    accuracy, jpeg_accuracy (linear in bpp between the neighbouring JPEG qualities).
    """
    jpeg = part[part["codec"] == "jpeg"].sort_values("bpp")
    ours = part[part["codec"] == learned].sort_values("level")
    if len(jpeg) == 0:
        return ours.assign(jpeg_accuracy=np.nan).iloc[0:0]
    lo, hi = jpeg["bpp"].min(), jpeg["bpp"].max()
    inside = ours[(ours["bpp"] >= lo) & (ours["bpp"] <= hi)]
    jpeg_acc = np.interp(inside["bpp"], jpeg["bpp"], jpeg["accuracy"])
    return inside.assign(jpeg_accuracy=jpeg_acc)[["level", "bpp", "accuracy", "jpeg_accuracy"]]


def claim_training_accuracy(
    best_epochs: pd.DataFrame, rate_distortion: pd.DataFrame
) -> dict[str, str]:
    """C3 (Fig 3.4): learned-codec-trained classifiers beat JPEG-trained ones at equal rate.

    Per (arch, dataset, learned codec) with trainings of both that codec and JPEG: each λ whose
    training-set bpp lies inside JPEG's bpp range is compared with JPEG's clean accuracy
    interpolated at that bpp (:func:`compare_at_rate`). Holds iff in every such group the
    learned accuracy is ≥ JPEG's at a strict majority of the in-range λ; does not hold when some
    group has no such majority. Groups with no in-range λ are listed and not compared. Not
    testable when no group has an in-range λ.
    """
    table = rate_accuracy(best_epochs, rate_distortion)
    if table.empty:
        return _untestable("C3", "no clean accuracy of a training set with a bit rate")
    texts, failing, skipped = [], [], []
    for (arch, dataset, learned), part in _learned_groups(table):
        name = f"{_scope_text(arch, dataset)} {learned.upper()}"
        if not (part["codec"] == "jpeg").any():
            skipped.append(f"{name}: no JPEG-trained model")
            continue
        compared = compare_at_rate(part, learned)
        if compared.empty:
            skipped.append(f"{name}: no λ inside JPEG's bpp range")
            continue
        diff = compared["accuracy"] - compared["jpeg_accuracy"]
        wins = int((diff >= 0).sum())
        texts.append(f"{name}: {wins}/{len(diff)} λ ≥ JPEG, mean {_pp(diff.mean())}")
        if not wins > len(diff) / 2:
            failing.append(name)
    if not texts:
        reason = "; ".join(skipped) or "no learned-codec training with a bit rate"
        return _untestable("C3", f"nothing to compare: {reason}")
    rule = "BLS/BMHJ ≥ JPEG interpolated at its bpp at a majority of in-range λ"
    if failing:
        detail = f"no majority for {', '.join(failing)} ({rule}){_skipped(skipped)}"
        return claim_row("C3", FAILS, "; ".join(texts), detail)
    return claim_row("C3", HOLDS, "; ".join(texts), f"every group: {rule}{_skipped(skipped)}")


def _learned_groups(table: pd.DataFrame):
    """((arch, dataset, learned codec), rows of that scope) for each learned codec present."""
    for (arch, dataset), part in table.groupby(SCOPE, sort=True):
        for learned in LEARNED_CODECS:
            if (part["codec"] == learned).any():
                yield (arch, dataset, learned), part


# --- C4, C5: mean CIFAR-10-C accuracy (Figs 4.1, 4.3) ----------------------------------------


def corrupted_rows(best_eval: pd.DataFrame) -> pd.DataFrame:
    """Best-of-seeds ``cifar10c`` rows: arch, dataset, train_set, codec, level, joined, cell.

    ``accuracy`` (top-1 on CIFAR-10) is added by :func:`analysis.accuracy.with_accuracy` when
    ``best_eval`` lacks it.
    """
    columns = [*SCOPE, "train_set", "codec", "level", "joined", *CELL_KEYS, "accuracy"]
    if best_eval.empty:
        return pd.DataFrame(columns=columns)
    rows = best_eval if "accuracy" in best_eval else with_accuracy(best_eval)
    rows = _objects(rows, [*SCOPE, "train_set", "codec", "eval_set", "corruption"])
    rows = rows[rows["eval_set"] == "cifar10c"].assign(joined=lambda f: f["joined"].astype(bool))
    return rows[columns].reset_index(drop=True)


def common_means(rows: pd.DataFrame) -> tuple[pd.Series, int]:
    """Mean accuracy per ``train_set`` over the (corruption, severity) cells every set has.

    Returns (means by train_set, number of common cells). A NaN accuracy removes its cell.
    """
    grid = rows.pivot_table(
        index=CELL_KEYS, columns="train_set", values="accuracy", aggfunc="mean", dropna=False
    )
    grid = grid.dropna(how="any")
    return grid.mean(axis=0), len(grid)


def claim_robustness(best_eval: pd.DataFrame) -> dict[str, str]:
    """C4 (Fig 4.1): BLS beats original data, JPEG, noise and blur on mean CIFAR-10-C accuracy.

    Per (arch, dataset), single-level training sets only: each set's mean accuracy over the
    (corruption, severity) cells all compared sets have (:func:`common_means`); each codec's
    best level is its highest mean. Holds iff in every scope with both an original and a BLS
    model, BLS's best is strictly above the original and above the best of each of JPEG,
    noise and blur that the scope has. Not testable without such a scope.
    """
    rows = corrupted_rows(best_eval)
    rows = rows[~rows["joined"]]
    if rows.empty:
        return _untestable("C4", "no CIFAR-10-C evaluation of a single-level training set")
    texts, failing, skipped = [], [], []
    for (arch, dataset), part in rows.groupby(SCOPE, sort=True):
        scope = _scope_text(arch, dataset)
        codecs = set(part["codec"])
        if not {"identity", "bls"} <= codecs:
            needed = {"identity": "original", "bls": "BLS"}
            lacking = " and ".join(n for c, n in needed.items() if c not in codecs)
            skipped.append(f"{scope}: no {lacking} model")
            continue
        part = part[part["codec"].isin(("identity", "bls", *RIVAL_CODECS))]
        means, n_cells = common_means(part)
        if n_cells == 0:
            skipped.append(f"{scope}: no CIFAR-10-C cell common to all sets")
            continue
        best = _best_levels(part, means)
        texts.append(
            f"{scope}: " + ", ".join(f"{label} {_pct(acc)}" for label, acc in best.values())
        )
        bls = best.pop("bls")[1]
        beaten = [label for label, acc in best.values() if not bls > acc]
        if beaten:
            failing.append(f"{scope}: BLS not above {', '.join(beaten)}")
    if not texts:
        return _untestable("C4", f"nothing to compare: {'; '.join(skipped)}")
    cells = "means over the CIFAR-10-C cells every compared set has; best level per codec"
    if failing:
        detail = f"{'; '.join(failing)} ({cells}){_skipped(skipped)}"
        return claim_row("C4", FAILS, "; ".join(texts), detail)
    detail = f"BLS above original and every rival in each scope ({cells}){_skipped(skipped)}"
    return claim_row("C4", HOLDS, "; ".join(texts), detail)


def _best_levels(part: pd.DataFrame, means: pd.Series) -> dict[str, tuple[str, float]]:
    """Codec -> (display label, mean) of its best level, BLS first, then original and rivals."""
    sets = part[["train_set", "codec", "level"]].drop_duplicates("train_set")
    sets = sets.assign(mean=[means[t] for t in sets["train_set"]])
    best = {}
    for codec in ("bls", "identity", *RIVAL_CODECS):
        mine = sets[sets["codec"] == codec].sort_values(["mean", "level"], ascending=[False, True])
        if len(mine):
            top = mine.iloc[0]
            level = None if codec == "identity" else float(top["level"])
            best[codec] = (set_label(codec, level), float(top["mean"]))
    return best


def selection_scopes(results: Results) -> pd.DataFrame:
    """The ``selection`` table's BDA rows with the (arch, dataset) of the select job's inputs.

    The table has no arch column (one select job per (dataset, arch)); the plan's select job
    names its evaluations, whose train job names arch and dataset. Columns: arch, dataset,
    codec, level, rank. Empty without a plan or BDA rows.
    """
    columns = [*SCOPE, "codec", "level", "rank"]
    selection = results.tables.get("selection")
    if results.plan is None or selection is None or selection.empty:
        return pd.DataFrame(columns=columns)
    rows = _objects(selection, ["method", "codec", "signature"])
    rows = rows[rows["method"] == "bda"]
    scopes = {}
    for job in results.plan.jobs_of("select"):
        evaluation = results.plan.input_job(job, "evaluations")
        if evaluation is not None:
            cell = results.plan.describe_job(evaluation)
            scopes[job["signature"]] = (cell["arch"], cell["dataset"])
    rows = rows[rows["signature"].isin(scopes)]
    pairs = [scopes[s] for s in rows["signature"]]
    rows = rows.assign(arch=[a for a, _ in pairs], dataset=[d for _, d in pairs])
    return rows[columns].reset_index(drop=True)


def bda_parts(results: Results, ranked: pd.DataFrame) -> pd.DataFrame:
    """BDA rankings per (arch, dataset, codec): the select stage's, else recomputed.

    The ``selection`` table (via :func:`selection_scopes`) names the levels the joined training
    sets were built from; for scopes it lacks, ``ranked`` (:attr:`Derived.ranked`, the same
    rule on this sweep's evaluation rows) is used. Columns: arch, dataset, codec, level, rank,
    source.
    """
    chosen = selection_scopes(results).assign(source="selection table")
    if ranked.empty:
        return chosen
    recomputed = _objects(ranked, [*SCOPE, "method", "codec"])
    recomputed = recomputed[recomputed["method"] == "bda"][[*SCOPE, "codec", "level", "rank"]]
    recomputed = recomputed.assign(source="BDA of this sweep's evaluations")
    known = set(zip(chosen["arch"], chosen["dataset"], chosen["codec"], strict=True))
    keep = [
        k not in known
        for k in zip(recomputed["arch"], recomputed["dataset"], recomputed["codec"], strict=True)
    ]
    parts = [p for p in (chosen, recomputed[keep]) if len(p)]
    if not parts:
        return chosen
    return pd.concat(parts, ignore_index=True)


def joined_top_k(train_set: str) -> int:
    """The ``k`` of a joined set's label ``<codec>:top<k>``; :data:`JOINED_TOP_K` otherwise."""
    match = re.search(r"top(\d+)(?::w=[\w-]+)?$", str(train_set))
    return int(match.group(1)) if match else JOINED_TOP_K


def claim_joined(best_eval: pd.DataFrame, parts: pd.DataFrame) -> dict[str, str]:
    """C5 (§4.3): the joined top-k BDA BLS set beats each of its parts on CIFAR-10-C.

    ``parts`` is :func:`bda_parts`. Per joined BLS training set (``joined`` rows of codec bls):
    its parts are the BLS levels of BDA rank 1..k of that (arch, dataset), k from the label
    (:func:`joined_top_k`); means over the cells the joined set and all parts have. Holds iff
    every joined set's mean is strictly above each part's; not testable without a joined BLS
    set whose ranking and part models all exist. Loss-weighted joins (``...:w=<rule>``, thesis
    §6.3, not a thesis result) are left out.
    """
    rows = corrupted_rows(best_eval)
    unweighted = ~rows["train_set"].astype(str).str.contains(":w=", regex=False)
    joined = rows[rows["joined"] & (rows["codec"] == "bls") & unweighted]
    if joined.empty:
        return _untestable("C5", "no CIFAR-10-C evaluation of a joined BLS training set")
    texts, failing, skipped = [], [], []
    for (arch, dataset, train_set), mine in joined.groupby([*SCOPE, "train_set"], sort=True):
        name = f"{_scope_text(arch, dataset)} {train_set}"
        levels, reason = _part_levels(parts, arch, dataset, joined_top_k(train_set))
        single = rows[(rows["arch"] == arch) & (rows["dataset"] == dataset) & ~rows["joined"]]
        single = single[(single["codec"] == "bls") & _isin(single["level"], levels)]
        absent = [lv for lv in levels if not _isin(single["level"], [lv]).any()]
        if reason or absent:
            skipped.append(f"{name}: {reason or 'no CIFAR-10-C rows of part λ=' + _levels(absent)}")
            continue
        means, n_cells = common_means(pd.concat([mine, single], ignore_index=True))
        if n_cells == 0:
            skipped.append(f"{name}: no CIFAR-10-C cell common to the set and its parts")
            continue
        own = means[train_set]
        labels = {
            t: set_label("bls", lv)
            for t, lv in zip(single["train_set"], single["level"], strict=True)
        }
        others = [(labels[t], means[t]) for t in labels]
        texts.append(f"{name} {_pct(own)} vs " + ", ".join(f"{lb} {_pct(m)}" for lb, m in others))
        beaten = [lb for lb, m in others if not own > m]
        if beaten:
            failing.append(f"{name} not above {', '.join(beaten)}")
    if not texts:
        return _untestable("C5", f"nothing to compare: {'; '.join(skipped)}")
    sources = ", ".join(sorted(set(parts["source"]))) if "source" in parts else ""
    note = f"parts from the {sources}; means over common CIFAR-10-C cells{_skipped(skipped)}"
    if failing:
        return claim_row("C5", FAILS, "; ".join(texts), f"{'; '.join(failing)}; {note}")
    return claim_row("C5", HOLDS, "; ".join(texts), f"joined above every part; {note}")


def _isin(levels: pd.Series, wanted) -> pd.Series:
    """Levels equal (to 1e-9 relative) to one of ``wanted``."""
    return levels.apply(lambda lv: any(math.isclose(lv, w, rel_tol=1e-9) for w in wanted))


def _part_levels(
    parts: pd.DataFrame, arch: str, dataset: str, top_k: int
) -> tuple[list[float], str]:
    """The BLS levels of BDA rank 1..top_k in (arch, dataset), or ([], why not)."""
    if parts.empty:
        return [], "no BDA ranking"
    mine = parts[(parts["arch"] == arch) & (parts["dataset"] == dataset)]
    mine = mine[(mine["codec"] == "bls") & (mine["rank"] <= top_k)].sort_values("rank")
    if len(mine) < top_k:
        return [], f"BDA ranks {len(mine)} BLS level(s), the joined set needs {top_k}"
    return [float(lv) for lv in mine["level"]], ""


# --- C6: high-frequency energy of the training images (Fig 4.7) ------------------------------


def high_frequency_energy(spectrum: np.ndarray) -> float:
    """Mean of a centred (fftshift) normalised log spectrum over radii > ``N/4`` from DC.

    ``N`` is the smaller image side; radii are in frequency-index units, DC at
    ``(H // 2, W // 2)`` as :func:`analysis.figures.spectra.mean_log_spectrum` returns it.
    """
    h, w = spectrum.shape
    fy, fx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    mask = np.hypot(fy, fx) > HIGH_FREQUENCY_RADIUS * min(h, w)
    return float(spectrum[mask].mean())


def spectrum_sets(ranked: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    """The training sets C6 compares: per dataset, original + BLS and JPEG levels.

    BLS/JPEG levels: the BDA rank-1 level(s) of ``ranked`` (one per arch), else every level of
    that codec in ``sets`` (:func:`analysis.images.image_sets`). Columns: dataset, codec,
    level, chosen_by, images_path (None when not on disk).
    """
    rows = []
    top = pd.DataFrame(columns=["dataset", "codec", "level"])
    if len(ranked):
        top = _objects(ranked, ["method", "codec", "dataset"])
        top = top[(top["method"] == "bda") & (top["rank"] == 1)]
    train = _objects(sets, ["dataset", "codec", "split"])
    train = train[train["split"] == "train"]
    for dataset in sorted(set(top["dataset"]) | set(train["dataset"])):
        rows.append((dataset, "identity", None, "original"))
        for codec in ("bls", "jpeg"):
            chosen = top[(top["dataset"] == dataset) & (top["codec"] == codec)]["level"]
            how = "BDA rank 1"
            if chosen.empty:
                chosen = train[(train["dataset"] == dataset) & (train["codec"] == codec)]["level"]
                how = "every level (no BDA ranking)"
            rows += [(dataset, codec, float(lv), how) for lv in sorted(set(chosen))]
    frame = pd.DataFrame(rows, columns=["dataset", "codec", "level", "chosen_by"])
    frame["images_path"] = [
        find_image_set(sets, d, c, lv) if len(sets) else None
        for d, c, lv in zip(frame["dataset"], frame["codec"], frame["level"], strict=True)
    ]
    return frame


def claim_spectra(
    ranked: pd.DataFrame, sets: pd.DataFrame, max_images: int = MAX_IMAGES
) -> dict[str, str]:
    """C6 (Fig 4.7): BLS training images keep at least JPEG's high-frequency energy.

    Per dataset, the sets of :func:`spectrum_sets` whose images are on disk; each set's
    :func:`high_frequency_energy` of :func:`mean_log_spectrum` over its first ``max_images``
    images; a codec's energy is the mean over its chosen levels. Holds iff BLS ≥ JPEG in every
    dataset having both on disk (the original's energy is reported, not required). Not testable
    when no dataset has both BLS and JPEG training images on disk.
    """
    chosen = spectrum_sets(ranked, sets)
    texts, failing, skipped = [], [], []
    for dataset, part in chosen.groupby("dataset", sort=True):
        on_disk = part[part["images_path"].notna()]
        energy = {
            codec: float(np.mean([_energy(p, max_images) for p in group["images_path"]]))
            for codec, group in on_disk.groupby("codec")
        }
        lacking = [c for c in ("bls", "jpeg") if c not in energy]
        if lacking:
            skipped.append(
                f"{dataset}: no {' or '.join(c.upper() for c in lacking)} images on disk"
            )
            continue
        levels = {
            c: ", ".join(level_text(c, lv) for lv in on_disk.loc[on_disk["codec"] == c, "level"])
            for c in ("bls", "jpeg")
        }
        text = (
            f"{dataset}: BLS {levels['bls']} {energy['bls']:.3f}, "
            f"JPEG {levels['jpeg']} {energy['jpeg']:.3f}"
        )
        if "identity" in energy:
            text += f", original {energy['identity']:.3f}"
        texts.append(text)
        if not energy["bls"] >= energy["jpeg"]:
            failing.append(dataset)
    if not texts:
        reason = "; ".join(skipped) or "no encoded training images on disk"
        return _untestable("C6", reason)
    chosen_by = chosen[chosen["codec"] != "identity"][["codec", "chosen_by"]].drop_duplicates()
    how = "; ".join(f"{c.upper()}: {b}" for c, b in chosen_by.to_numpy())
    note = (
        f"mean normalised log magnitude at radius > N/{round(1 / HIGH_FREQUENCY_RADIUS)}, first "
        f"{max_images} images per set; levels by {how}{_skipped(skipped)}"
    )
    if failing:
        return claim_row(
            "C6", FAILS, "; ".join(texts), f"BLS < JPEG in {', '.join(failing)}; {note}"
        )
    return claim_row("C6", HOLDS, "; ".join(texts), f"BLS ≥ JPEG; {note}")


def _energy(path: str, max_images: int) -> float:
    images = np.load(path, mmap_mode="r")[:max_images]
    return high_frequency_energy(mean_log_spectrum(images))


# --- the table ---------------------------------------------------------------------------


def claims_table(results: Results, derived: Derived | None = None) -> pd.DataFrame:
    """One row per claim C1..C6 (columns :data:`CLAIM_COLUMNS`) for a loaded sweep.

    ``derived`` defaults to :meth:`Derived.of` of ``results``. C6 reads the encoded training
    images from ``results/_jobs/encode/<signature>/images.npy``.
    """
    derived = derived if derived is not None else Derived.of(results)
    gate = results.tables.get("codec_gate")
    sets = image_sets(results.plan, results.results_root)
    rows = [
        claim_rate_distortion(gate),
        claim_jpeg_rates(results.rate_distortion, gate),
        claim_training_accuracy(derived.best_epochs, results.rate_distortion),
        claim_robustness(derived.best_eval),
        claim_joined(derived.best_eval, bda_parts(results, derived.ranked)),
        claim_spectra(derived.ranked, sets),
    ]
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def claims_markdown(table: pd.DataFrame) -> str:
    """The claims table as a markdown pipe table."""
    return to_markdown(table[CLAIM_COLUMNS])
