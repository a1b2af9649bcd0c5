"""C6 (thesis §4.4, Fig 4.7): BLS preserves a wider range of frequencies than the other sets.

The thesis compares the mean Fourier spectra of the training sets (Fig 4.7) and says that,
"compared to original data and the other image transformations, BLS uniformly preserves a
wider range of frequencies". Tested per dataset on the training images of the original data
and of BLS, JPEG, Gaussian noise and Gaussian blur, each at its BDA rank-1 level
(:attr:`analysis.derived.Derived.ranked`, ranked on the selection half of the test images).
Without a BDA ranking for a codec its level is used only when the sweep encoded exactly one
training level of it (nothing to choose); with several the codec is left out and said so, as
picking one by its spectrum would choose on the very statistic tested. Each set's first
:data:`~analysis.figures.spectra.MAX_IMAGES` images are read; training image ``i`` of an
encoded set is original image ``i``, so the sets are paired by image.

The measure, per image (:func:`band_shares`): the 2-D power spectrum ``|DFT|²`` of the pixel
values on [0, 1], summed over the three channels, DC excluded, normalised by the image's total
(AC) power, summed into radial bands of width ``N/8`` (``N`` the smaller side; :data:`BANDS`:
(0, N/8], (N/8, N/4], (N/4, 3N/8], > 3N/8, radii in frequency-index units). A set's
*preserved fraction* in a band is its mean band share over the images divided by the
original's mean band share over the same images (1.0: the original's share kept).

"Preserves a wider range of frequencies" is read as: in the high bands (radius > N/4,
:data:`HIGH_FREQUENCY_RADIUS`, :data:`HIGH_BANDS`) BLS's preserved fraction exceeds each
rival's (JPEG, noise, blur) and exceeds the original's own 1.0. Each (rival, high band) is a
comparison of the difference of fractions, decided with a percentile bootstrap over the paired
images (:func:`analysis.stats.bootstrap_comparison`: every band mean of every set recomputed
on the same resampled indices), no seeds (an encoding is fixed once the codec is); the claim
holds when every comparison holds (intersection–union). Every set's per-band fractions are in
``measured``; the figure the old rule used, the mean normalised log magnitude at radius > N/4
(:func:`high_frequency_energy` of :func:`analysis.figures.spectra.mean_log_spectrum`), is shown
beside in ``detail`` and not decided on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.claims.base import Claim, Inputs, Outcome, comparison_text, undecided_note
from analysis.claims.common import objects, skipped_text
from analysis.claims.robustness import RIVAL_CODECS
from analysis.figures.spectra import MAX_IMAGES, mean_log_spectrum
from analysis.images import find_image_set, image_sets
from analysis.labels import set_label
from analysis.stats import Comparison, bootstrap_comparison
from grid.store.folder import JobFolder

# High frequencies are those farther than this fraction of the image size N from DC.
HIGH_FREQUENCY_RADIUS = 0.25
# Radial bands of width N / 8: (0, N/8], (N/8, N/4], (N/4, 3N/8], > 3N/8.
BAND_WIDTH = 1 / 8
BANDS = ("(0, N/8]", "(N/8, N/4]", "(N/4, 3N/8]", "> 3N/8")
HIGH_BANDS = tuple(i for i in range(len(BANDS)) if i * BAND_WIDTH >= HIGH_FREQUENCY_RADIUS)
# Pixels (images × H × W × channels) transformed at once: bounds the FFT's memory (~64 MB).
CHUNK_PIXELS = 1 << 22


def band_masks(height: int, width: int) -> np.ndarray:
    """Band membership of each frequency of a ``height × width`` real DFT's half spectrum
    (``np.fft.rfft2``: columns 0..width // 2), shape (height · (width // 2 + 1),
    len(BANDS)); a column standing for itself and its mirror image counts twice, DC nowhere."""
    fy = np.fft.fftfreq(height) * height
    fx = np.arange(width // 2 + 1, dtype=float)
    radius = np.hypot(*np.meshgrid(fy, fx, indexing="ij"))
    mirrored = np.full(fx.shape, 2.0)
    mirrored[0] = 1.0
    if width % 2 == 0:
        mirrored[-1] = 1.0
    weight = np.broadcast_to(mirrored, radius.shape).ravel()
    radius = radius.ravel()
    step = BAND_WIDTH * min(height, width)
    band = np.clip(np.ceil(radius / step).astype(int) - 1, 0, len(BANDS) - 1)
    masks = np.zeros((radius.size, len(BANDS)))
    masks[np.arange(radius.size), band] = weight
    masks[radius == 0] = 0.0
    return masks


def band_shares(images: np.ndarray) -> np.ndarray:
    """Each image's share of its AC power in each band of :data:`BANDS`, shape (n, bands).

    ``images``: uint8 (n, H, W, 3). Power: ``|DFT|²`` of the pixel values on [0, 1], summed
    over channels, DC excluded (from the real DFT's half spectrum, mirrored frequencies
    counted twice); an image without AC power (constant) has share 0 everywhere.
    """
    n, height, width = images.shape[:3]
    masks = band_masks(height, width)
    step = max(1, CHUNK_PIXELS // max(1, height * width * images.shape[3]))
    shares = np.zeros((n, len(BANDS)))
    for start in range(0, n, step):
        pixels = np.asarray(images[start : start + step], dtype=np.float64) / 255.0
        spectrum = np.fft.rfft2(pixels, axes=(1, 2))
        power = (spectrum.real**2 + spectrum.imag**2).sum(axis=-1)
        bands = power.reshape(len(power), -1) @ masks
        total = bands.sum(axis=1, keepdims=True)
        shares[start : start + step] = np.divide(
            bands, total, out=np.zeros_like(bands), where=total > 0
        )
    return shares


def high_frequency_energy(spectrum: np.ndarray) -> float:
    """Mean of a centred (fftshift) normalised log spectrum over radii > ``N/4`` from DC.

    ``N`` is the smaller image side; radii are in frequency-index units, DC at
    ``(H // 2, W // 2)`` as :func:`analysis.figures.spectra.mean_log_spectrum` returns it.
    """
    h, w = spectrum.shape
    fy, fx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    mask = np.hypot(fy, fx) > HIGH_FREQUENCY_RADIUS * min(h, w)
    return float(spectrum[mask].mean())


def chosen_levels(
    ranked: pd.DataFrame, sets: pd.DataFrame, dataset: str, codec: str
) -> tuple[list[float], str]:
    """``codec``'s levels compared in ``dataset`` and how they were chosen: its BDA rank-1
    level(s) (one per architecture), else the one training level the sweep encoded; ``([],
    why not)`` otherwise."""
    if len(ranked):
        rows = objects(ranked, ["method", "codec", "dataset"])
        rows = rows[(rows["method"] == "bda") & (rows["rank"] == 1)]
        rows = rows[(rows["dataset"] == dataset) & (rows["codec"] == codec)]
        if len(rows):
            return sorted({float(lv) for lv in rows["level"]}), "BDA rank 1"
    train = objects(sets, ["dataset", "codec", "split"])
    train = train[(train["dataset"] == dataset) & (train["codec"] == codec)]
    levels = sorted({float(lv) for lv in train[train["split"] == "train"]["level"]})
    if len(levels) == 1:
        return levels, "the only level encoded (no BDA ranking)"
    if not levels:
        return [], "no training images"
    return [], f"no BDA ranking to choose among its {len(levels)} levels"


def _labels_match(path: str, original: str, n: int) -> bool:
    """Whether the sets' ``labels.npy`` (where both exist) agree on the first ``n`` images."""
    ours, theirs = (JobFolder.at(Path(p).parent).labels for p in (path, original))
    if not (ours.exists() and theirs.exists()):
        return True
    a = np.load(ours, mmap_mode="r")[:n]
    b = np.load(theirs, mmap_mode="r")[:n]
    return len(a) == len(b) and bool(np.array_equal(a, b))


def _statistic(ours: np.ndarray, rival: np.ndarray | None, original: np.ndarray):
    """BLS's preserved fraction of one band minus the rival's (or minus 1: the original's),
    both over the same resampled images."""
    if rival is None:
        return lambda index: float(ours[index].mean() / original[index].mean() - 1.0)
    return lambda index: float((ours[index].mean() - rival[index].mean()) / original[index].mean())


def dataset_comparisons(
    dataset: str, ranked: pd.DataFrame, sets: pd.DataFrame, max_images: int
) -> tuple[list[Comparison], list[str], list[str], list[str], list[str]]:
    """C6 in one dataset: the comparisons, the measured texts (fractions per set), the
    old figure's texts, how levels were chosen, and what was left out."""
    original_path = find_image_set(sets, dataset, "identity", None)
    if original_path is None:
        return [], [], [], [], [f"{dataset}: no original training images on disk"]
    wanted, skipped, chosen = [], [], []
    for codec in ("bls", *RIVAL_CODECS):
        levels, how = chosen_levels(ranked, sets, dataset, codec)
        if not levels:
            skipped.append(f"{dataset} {set_label(codec, None)}: {how}")
            continue
        chosen.append(f"{', '.join(set_label(codec, lv) for lv in levels)} ({how})")
        for level in levels:
            path = find_image_set(sets, dataset, codec, level)
            if path is None:
                skipped.append(f"{dataset} {set_label(codec, level)}: images not on disk")
            else:
                wanted.append((codec, level, path))
    original = np.load(original_path, mmap_mode="r")[:max_images]
    loaded = []
    for codec, level, path in wanted:
        images = np.load(path, mmap_mode="r")[:max_images]
        if images.shape[1:] != original.shape[1:]:
            shapes = f"{images.shape[1:]} against the original's {original.shape[1:]}"
            skipped.append(f"{dataset} {set_label(codec, level)}: images of shape {shapes}")
        elif not _labels_match(path, original_path, min(len(images), len(original))):
            skipped.append(f"{dataset} {set_label(codec, level)}: not the original's order")
        else:
            loaded.append((codec, level, images))
    if not any(codec == "bls" for codec, _, _ in loaded):
        return [], [], [], chosen, [*skipped, f"{dataset}: no BLS training images to compare"]
    n = min(len(original), *(len(images) for _, _, images in loaded))
    shares = {(c, lv): band_shares(images[:n]) for c, lv, images in loaded}
    base = band_shares(original[:n])
    base_mean = base.mean(axis=0)
    denominator = np.where(base_mean > 0, base_mean, np.nan)
    fractions = {key: s.mean(axis=0) / denominator for key, s in shares.items()}
    measured = [
        f"{dataset} preserved fraction per band {' | '.join(BANDS)} ({n} images; the "
        f"original's mean share of AC power: {' | '.join(f'{x:.3f}' for x in base_mean)}): "
        + "; ".join(
            f"{set_label(c, lv)} " + " | ".join(f"{f:.3f}" for f in fractions[(c, lv)])
            for c, lv in shares
        )
    ]
    energy = [
        f"{set_label(c, lv)} {high_frequency_energy(mean_log_spectrum(images[:n])):.3f}"
        for c, lv, images in [("identity", None, original), *loaded]
    ]
    figure = [f"{dataset}: " + ", ".join(energy)]
    found = []
    for (codec, level), ours in shares.items():
        if codec != "bls":
            continue
        rivals = [("Original", None)] + [
            (set_label(c, lv), s) for (c, lv), s in shares.items() if c != "bls"
        ]
        for band in HIGH_BANDS:
            if not base_mean[band] > 0:
                skipped.append(f"{dataset} band {BANDS[band]}: the original has no power there")
                continue
            for name, rival in rivals:
                statistic = _statistic(
                    ours[:, band], None if rival is None else rival[:, band], base[:, band]
                )
                label = f"{dataset} {set_label(codec, level)} − {name}, band {BANDS[band]}"
                try:
                    found.append(bootstrap_comparison(statistic, n, label))
                except ValueError as error:
                    skipped.append(f"{label}: {error}")
    return found, measured, figure, chosen, skipped


def spectra_outcome(
    ranked: pd.DataFrame, sets: pd.DataFrame, max_images: int = MAX_IMAGES
) -> Outcome:
    """C6 on the training images of ``sets`` (:func:`analysis.images.image_sets`)."""
    datasets = sorted({str(d) for d in objects(sets, ["dataset"])["dataset"]})
    found, measured, figure, chosen, skipped = [], [], [], [], []
    for dataset in datasets:
        parts = dataset_comparisons(dataset, ranked, sets, max_images)
        found += parts[0]
        measured += parts[1]
        figure += parts[2]
        chosen += [f"{dataset} {how}" for how in parts[3]]
        skipped += parts[4]
    if not found:
        reason = "; ".join(skipped) or "no encoded training images on disk"
        return Outcome.untestable(f"nothing to compare: {reason}")
    outcome = Outcome.decided(found, "", "", unit="ratio")
    held = sum(c.verdict == "holds" for c in found)
    notes = [
        f"{held} of {len(found)} comparisons hold (high bands, radius > "
        f"N/{round(1 / HIGH_FREQUENCY_RADIUS)}; bootstrap over the paired training images, "
        "no seeds)"
    ]
    if outcome.verdict == "undecided":
        notes.append(undecided_note(outcome))
    notes.append("levels: " + "; ".join(chosen))
    notes.append(
        "beside, not decided on: mean normalised log magnitude at radius > "
        f"N/{round(1 / HIGH_FREQUENCY_RADIUS)} (Fig 4.7's measure): " + "; ".join(figure)
    )
    texts = measured + [comparison_text(c, "ratio") for c in found]
    detail = "; ".join(notes) + skipped_text(skipped)
    return Outcome(outcome.verdict, outcome.comparisons, "; ".join(texts), detail, "ratio")


def check(inputs: Inputs) -> Outcome:
    """C6 on the sweep's encoded training images (``results/_jobs/encode/<sig>/images.npy``)."""
    results = inputs.results
    sets = image_sets(results.plan, results.results_root)
    return spectra_outcome(inputs.derived.ranked, sets)


CLAIM = Claim(
    id="C6",
    sentence=(
        "Compared to original data and the other image transformations, BLS uniformly "
        "preserves a wider range of frequencies"
    ),
    place="thesis §4.4, Fig 4.7",
    test=(
        "per dataset, training sets at their BDA rank-1 levels, first "
        f"{MAX_IMAGES} images: each set's share of AC power in the bands at radius > N/4 over "
        "the original's on the same images (preserved fraction); BLS's fraction minus each of "
        "JPEG's, noise's and blur's, and minus the original's 1.0, > 0 in every high band "
        "(one-sided 95 % bootstrap bounds over the images); all must hold"
    ),
    check=check,
)

__all__ = ["BANDS", "CLAIM", "band_shares", "check", "high_frequency_energy", "spectra_outcome"]
