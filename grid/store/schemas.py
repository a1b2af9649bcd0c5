"""The result tables: one versioned pyarrow schema per kind of row, declared here only.

Every row also carries the provenance columns (:data:`PROVENANCE`). On disk a table lives
at ``results/<sweep>/<table>/stage=<stage>/<signature>.parquet``; the ``stage`` column comes
from that hive partition, so ``pandas.read_parquet("results/<sweep>/<table>")`` returns it.
``results/README.md`` documents the same columns for readers who do not read code.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

# 2: provenance column ``code`` (the launch's code fingerprint, grid/code.py).
# 3: held-out split (lcc.evaluate.holdout): train_curve and evaluation gain the accuracies
#    over each part (select_top1, select_top5, judge_top1, judge_top5); every trained-model
#    table gains control_for; new table predictions (one row per test image).
SCHEMA_VERSION = 3

_TS = pa.timestamp("us", tz="UTC")

PROVENANCE = pa.schema(
    [
        ("signature", pa.string()),  # the job's signature (names its folder)
        ("sweep", pa.string()),  # the sweep whose results folder holds this copy
        ("git_commit", pa.string()),  # commit of the suite that ran the job ("unknown" outside git)
        ("code", pa.string()),  # code fingerprint (grid/code.py): results/_code/<code>/code.json
        ("package_versions", pa.string()),  # JSON {package: version}
        ("host", pa.string()),
        ("slurm_job_id", pa.string()),  # "<job>_<array index>", null outside Slurm
        ("started_at", _TS),
        ("finished_at", _TS),
        ("device", pa.string()),  # "cpu", "cuda:0 (NVIDIA H100 ...)"
    ]
)

RATE_DISTORTION = pa.schema(
    [
        ("dataset", pa.string()),
        ("dataset_fingerprint", pa.string()),
        ("split", pa.string()),  # "train" | "test"
        ("codec", pa.string()),  # registry name: jpeg, bls, bmhj, noise, blur, identity
        ("level", pa.float64()),  # quality, lambda, sigma or kernel size; null for identity
        ("image_index", pa.int64()),  # row in the split
        ("label", pa.int32()),
        ("pixels", pa.int64()),  # height * width
        ("bits_estimated", pa.float64()),  # learned: -sum log2 likelihoods; else null
        ("bits_actual", pa.float64()),  # learned: coded string length; JPEG: SOS..EOF; else null
        ("bits_file", pa.float64()),  # JPEG: whole file; else null
        ("bpp", pa.float64()),  # the thesis' rate: estimated (learned) or content (JPEG); else null
        ("mse", pa.float64()),  # on the 0..255 scale, over all pixels and channels
        ("psnr", pa.float64()),  # dB, peak 255
        ("ssim", pa.float64()),  # scikit-image, RGB, 7x7 window, data_range 255
    ]
)

CODEC_FIT = pa.schema(
    [
        ("codec", pa.string()),
        ("level", pa.float64()),  # lambda
        ("dataset", pa.string()),
        ("epoch", pa.int32()),
        ("steps", pa.int64()),  # optimizer steps so far
        ("loss", pa.float64()),  # lambda * 255^2 * MSE + bpp (CompressAI RateDistortionLoss)
        ("mse", pa.float64()),  # on [0, 1]
        ("bpp", pa.float64()),  # entropy-model estimate
        ("aux_loss", pa.float64()),
        ("seconds", pa.float64()),  # wall time of the epoch
        ("lr", pa.float64()),  # the network's learning rate at the epoch's last step
        ("val_loss", pa.float64()),  # on the held-out training images (eval mode); null if none
        ("val_mse", pa.float64()),
        ("val_bpp", pa.float64()),
        ("stopped", pa.bool_()),  # early stopping ended the fit after this epoch
    ]
)

# Which trained model a row is about (grid.stages.train.train_set_columns writes them).
TRAINED_MODEL = [
    ("arch", pa.string()),
    ("dataset", pa.string()),
    ("train_set", pa.string()),  # label, e.g. "original", "jpeg:20", "bls:0.012+bls:0.1"
    ("codec", pa.string()),  # codec of the training data ("identity" for original)
    ("level", pa.float64()),  # null for original and joined sets
    ("joined", pa.bool_()),
    ("seed", pa.int32()),
    # The joined set's label ("bls:top2") when this model is the steps-matched control of one
    # of its parts (train_set "bls:top2:part1", level: that part's); null otherwise.
    ("control_for", pa.string()),
]

# Accuracies over each part of the held-out split of the test images (lcc.evaluate.holdout):
# the selection part (best epochs and levels are chosen on it) and the judged part (claims
# are decided on it), about half the images each. Fractions in [0, 1].
PART_ACCURACIES = [
    ("select_top1", pa.float64()),
    ("select_top5", pa.float64()),
    ("judge_top1", pa.float64()),
    ("judge_top5", pa.float64()),
]

# Training curves: one row per (epoch, eval set).
TRAIN_CURVE = pa.schema(
    [
        *TRAINED_MODEL,
        ("epoch", pa.int32()),  # 1-based
        ("train_loss", pa.float64()),
        ("train_top1", pa.float64()),  # fraction in [0, 1]
        ("eval_set", pa.string()),  # "clean" | "compressed"
        ("loss", pa.float64()),
        ("top1", pa.float64()),
        ("top5", pa.float64()),
        *PART_ACCURACIES,
        ("lr", pa.float64()),
        ("seconds", pa.float64()),
        ("images_per_s", pa.float64()),
    ]
)

# Evaluation of a training job's best checkpoint: one row per (eval set, corruption, severity).
EVALUATION = pa.schema(
    [
        *TRAINED_MODEL,
        ("best_epoch", pa.int32()),
        ("eval_set", pa.string()),  # "clean" | "compressed" | "cifar10c"
        ("corruption", pa.string()),  # null unless cifar10c
        ("severity", pa.int32()),  # 1..5, null unless cifar10c
        ("n_images", pa.int64()),
        ("loss", pa.float64()),
        ("top1", pa.float64()),
        ("top5", pa.float64()),
        *PART_ACCURACIES,
    ]
)

# Per-image predictions of a training job's best checkpoint: one row per (eval set,
# corruption, severity, test image), rows in evaluation order, images in index order. The
# image's label and part of the held-out split follow from image_index (the test split's
# labels; lcc.evaluate.holdout). Written compactly (PARQUET_OPTIONS): 0.35 MB for 10,000
# images x 51 cells (grid/stages/evaluate.py).
PREDICTIONS = pa.schema(
    [
        *TRAINED_MODEL,
        ("eval_set", pa.string()),  # "clean" | "compressed" | "cifar10c"
        ("corruption", pa.string()),  # null unless cifar10c
        ("severity", pa.int32()),  # 1..5, null unless cifar10c
        ("image_index", pa.int32()),  # row in the test split, 0-based
        ("predicted", pa.int16()),  # the top-1 class
        ("top1", pa.bool_()),  # predicted is the label
        ("top5", pa.bool_()),  # the label is among the five highest logits
    ]
)

# Data-quality selections (BDA, BDAD, BDADS) and best-of-seeds choices.
SELECTION = pa.schema(
    [
        ("method", pa.string()),  # "bda" | "bdad" | "bdads"
        ("codec", pa.string()),
        ("corruption", pa.string()),  # null for bda
        ("severity", pa.int32()),  # null unless bdads
        ("rank", pa.int32()),  # 1 = best
        ("level", pa.float64()),
        # mean accuracy (the dataset's metric: top-1 on CIFAR-10, top-5 on Tiny ImageNet) over
        # the cells the method averages, on the selection part of the test images
        # (lcc.evaluate.holdout)
        ("score", pa.float64()),
        ("n_cells", pa.int32()),
    ]
)

# The codec quality gate (lcc.codecs.gate): JPEG reference points and one candidate row per
# fitted codec, measured on held-out test images. Verdict columns are null on reference rows.
CODEC_GATE = pa.schema(
    [
        ("dataset", pa.string()),
        ("codec", pa.string()),
        ("level", pa.float64()),  # lambda, or JPEG quality
        ("role", pa.string()),  # "candidate" | "reference"
        # the gate image set: "test" (the dataset's test images) | "tiny-2x" (Tiny ImageNet
        # validation images downsampled 2x); reference rows' dataset is the images' source
        ("reference", pa.string()),
        ("n_images", pa.int64()),
        ("bpp", pa.float64()),  # the thesis' rate: estimated (learned) or content (JPEG)
        ("bpp_coded", pa.float64()),  # coded string (learned) or content (JPEG) bits / pixels
        ("bpp_std", pa.float64()),  # of bpp_coded over the images
        ("bpp_no_header", pa.float64()),  # bpp_coded less JPEG's scan header (0.125 at 32x32)
        ("psnr", pa.float64()),  # mean over images, dB, peak 255
        ("ssim", pa.float64()),  # mean over images
        ("jpeg_psnr", pa.float64()),  # JPEG's PSNR at the candidate's coded rate
        ("jpeg_ssim", pa.float64()),
        ("psnr_margin", pa.float64()),  # candidate minus JPEG, dB
        ("ssim_margin", pa.float64()),
        ("psnr_margin_no_header", pa.float64()),  # the margins with both rates header-free
        ("ssim_margin_no_header", pa.float64()),
        ("extrapolated", pa.bool_()),  # the rate lies outside JPEG's range of rates
        ("passes", pa.bool_()),  # both margins > 0
    ]
)

# Fourier-basis sensitivity of a trained model (stage fourier, lcc.evaluate.fourier; thesis
# §6.2): one row per frequency of the image grid. A new table leaves the others' layout alone,
# so it changed no SCHEMA_VERSION.
FOURIER_SENSITIVITY = pa.schema(
    [
        *TRAINED_MODEL,
        ("freq_y", pa.int32()),  # signed vertical frequency, -H/2 .. H/2 - 1 (0 = DC)
        ("freq_x", pa.int32()),  # signed horizontal frequency, -W/2 .. W/2 - 1
        ("norm", pa.float64()),  # l2 norm of one channel's perturbation, pixels on [0, 1]
        ("n_images", pa.int64()),  # test images perturbed at this frequency
        ("error", pa.float64()),  # fraction of perturbed images misclassified
        ("clean_error", pa.float64()),  # the same model's error on the unperturbed images
    ]
)

# Gabor response histograms of a training set (stage gabor, lcc.evaluate.gabor; thesis §6.2
# future work): one row per (filter, bin). A new table: no SCHEMA_VERSION change.
GABOR_RESPONSE = pa.schema(
    [
        ("dataset", pa.string()),
        ("codec", pa.string()),  # the training set's codec; identity for the original data
        ("level", pa.float64()),  # its level; null for identity
        ("orientation", pa.float64()),  # degrees of the carrier's wave vector from the x axis
        ("frequency", pa.float64()),  # carrier frequency, cycles per pixel
        ("bandwidth", pa.float64()),  # frequency bandwidth, octaves
        ("bin", pa.int32()),  # 0 .. bins - 1
        ("bin_low", pa.float64()),  # edges on |response| / kernel l1 norm (lcc.specs.gabor)
        ("bin_high", pa.float64()),  # the last bin also counts responses above it
        ("fraction", pa.float64()),  # share of the filter's responses in the bin (sums to 1)
        ("density", pa.float64()),  # fraction / bin width
        ("overflow", pa.float64()),  # share of the filter's responses above the last edge
        ("n_images", pa.int64()),  # images filtered
    ]
)

# Saliency of a trained model (stage saliency, lcc.evaluate.saliency; thesis §6.2 future
# work): one row per (test image, view). A new table: no SCHEMA_VERSION change.
SALIENCY = pa.schema(
    [
        *TRAINED_MODEL,
        ("image_index", pa.int64()),  # row in the test split, 0-based
        ("label", pa.int64()),  # the true class
        ("view", pa.string()),  # clean | compressed
        ("view_codec", pa.string()),  # the view's codec; identity for clean
        ("view_level", pa.float64()),  # its level; null for clean
        ("method", pa.string()),  # gradient | smoothgrad
        ("samples", pa.int32()),  # noisy copies averaged (1 for gradient)
        ("sigma", pa.float64()),  # smoothgrad's noise std, fraction of the pixel range
        ("predicted", pa.int64()),  # the model's top-1 class on the view
        ("correct", pa.bool_()),  # predicted == label
        ("mass_fraction", pa.float64()),  # share of the map inside the clean image's HOG mask
        ("area_fraction", pa.float64()),  # share of the pixels inside it (chance level)
        ("ratio", pa.float64()),  # mass_fraction / area_fraction; > 1: on the object
        ("n_images", pa.int64()),  # images of the job
    ]
)

# Contrastive pretraining on two compression levels of the train split (stage contrastive,
# lcc.train.contrastive; thesis §6.3 future work, Fig 6.2): one row per epoch. A new table.
CONTRASTIVE_CURVE = pa.schema(
    [
        ("arch", pa.string()),
        ("dataset", pa.string()),
        ("pair", pa.string()),  # the pair's label, e.g. "bls:0.012+0.1" (grid/expand_contrastive)
        ("codec", pa.string()),  # the pair's codec
        ("level_a", pa.float64()),  # the first view's level
        ("level_b", pa.float64()),  # the second view's level
        ("seed", pa.int32()),  # the encoder's seed
        ("epoch", pa.int32()),  # 1-based
        ("loss", pa.float64()),  # mean NT-Xent over the epoch's batches
        ("positive_top1", pa.float64()),  # share of embeddings whose nearest is their positive
        ("alignment", pa.float64()),  # mean cosine of the positive pairs' projections
        ("pairs", pa.int64()),  # image pairs trained on in the epoch
        ("seconds", pa.float64()),  # the epoch's wall time
    ]
)

TABLES: dict[str, pa.Schema] = {
    "rate_distortion": RATE_DISTORTION,
    "codec_fit": CODEC_FIT,
    "codec_gate": CODEC_GATE,
    "train_curve": TRAIN_CURVE,
    "evaluation": EVALUATION,
    "predictions": PREDICTIONS,
    "selection": SELECTION,
    "fourier_sensitivity": FOURIER_SENSITIVITY,
    "gabor_response": GABOR_RESPONSE,
    "saliency": SALIENCY,
    "contrastive_curve": CONTRASTIVE_CURVE,
}

# How a table's Parquet files are written where pyarrow's defaults (every column dictionary-
# encoded, snappy) are not small enough: pq.write_table keyword arguments, applied by
# grid.store.files.atomic_write_parquet (write_options). predictions holds ~0.5 M rows per
# evaluate job: its image_index counts 0..N-1 in every cell, which DELTA_BINARY_PACKED stores
# in a few bytes a page where a dictionary spends 14 bits a row, and zstd shrinks the rest;
# 510,000 rows take 0.35 MB instead of 1.3 MB (tests/test_predictions_stage.py measures it).
PARQUET_OPTIONS: dict[str, dict[str, Any]] = {
    "predictions": {
        "compression": "zstd",
        "column_encoding": {"image_index": "DELTA_BINARY_PACKED"},
    },
}


def write_options(schema: pa.Schema) -> dict[str, Any]:
    """``pq.write_table`` keyword arguments for rows of ``schema``: :data:`PARQUET_OPTIONS` of
    the table its ``lcc.table`` metadata names (columns given an encoding there are not
    dictionary-encoded, which Parquet requires); ``{}`` for other tables and other files."""
    table = (schema.metadata or {}).get(b"lcc.table", b"").decode()
    options = PARQUET_OPTIONS.get(table)
    if options is None:
        return {}
    encoded = options.get("column_encoding", {})
    return {**options, "use_dictionary": [n for n in schema.names if n not in encoded]}


def full_schema(table: str) -> pa.Schema:
    """The on-disk schema of ``table``: its own columns then the provenance columns."""
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; valid tables: {', '.join(sorted(TABLES))}")
    fields = list(TABLES[table]) + list(PROVENANCE)
    meta = {b"lcc.table": table.encode(), b"lcc.schema_version": str(SCHEMA_VERSION).encode()}
    return pa.schema(fields, metadata=meta)
