"""The declarations of grid's own stages: what each job asks the cluster for and what it writes
on disk, without the stage's function (:class:`grid.stages.registry.Declaration`).

Importable without torch or compressai (it reads :mod:`lcc.specs` and :mod:`lcc.data`'s
descriptions only), so the launcher plans, checks the disk and writes a dry run's ``sbatch``
scripts without loading any stage's implementation; each stage module of :mod:`grid.stages`
registers its function with ``@stage(name)``, which checks it against the declaration here
(one source of truth). Versions and tables come from :mod:`grid.stage_table` (a version is
written there only); the select and report stages are declared from the analysis side
(analysis/declared.py).

Disk estimates (bytes one job writes into its folder, from its resolved config; grid/disk.py
sums them) use :data:`grid.disk.ROWS_FILE` for one small Parquet file of rows.
"""

from __future__ import annotations

import lcc.data
from grid.disk import ROWS_FILE
from grid.stages.registry import declare
from lcc.specs.codecs import is_learned, learned_params
from lcc.specs.models import get_spec

ROW_BYTES = 40  # bytes per image of rate_distortion rows in Parquet (30 to 35 measured)
# The test splits hold at most 10,000 images (CIFAR-10's test split, Tiny ImageNet's
# validation split), the count the predictions' disk estimate assumes.
MAX_TEST_IMAGES = 10_000
# Bytes of the predictions of one cell of MAX_TEST_IMAGES images: 352,125 bytes measured for
# 51 cells (grid/stages/evaluate.py's docstring), 6,904 a cell, rounded up.
PREDICTION_CELL_BYTES = 7_500
FOURIER_SIDE = 32  # fourier jobs are planned for 32x32 datasets only (grid/expand.py)
META_BYTES = 1_000  # prepare-cifar10c's CIFAR-10-C/meta.json, about 200 bytes


def rows_only_disk(config: dict) -> int:
    """Bytes of a job that writes only a few result rows: one small Parquet file
    (gate-reference: a codec_gate row per quality; check-codec: its few codec_gate rows;
    gabor: a gabor_response row per filter and bin)."""
    return ROWS_FILE


def fit_codec_disk(config: dict) -> int:
    """Bytes one fit-codec job writes: model.pt (the codec's P float32 parameters, its few
    entropy-coding tables aside) and checkpoint.pt (the weights and Adam's two moments, 3 x 4P),
    16P in all, and its codec_fit rows; P from :func:`lcc.specs.codecs.learned_params`."""
    return 16 * learned_params(config["codec"]) + ROWS_FILE


def encode_disk(config: dict) -> int:
    """Bytes one encode job writes: images.npy (N x H x W x 3 uint8), labels.npy (N int64) and
    its rate_distortion rows (one per image), N being the split's images (``dataset.limit``
    when set, else the split's size, :func:`lcc.data.split_size`), H = W the dataset's side."""
    ref = config["dataset"]
    n = lcc.data.split_size(ref["name"], config["split"], ref.get("limit"))
    side = lcc.data.dataset_info(ref["name"]).image_size
    return n * side * side * 3 + n * 8 + ROWS_FILE + n * ROW_BYTES


def codec_resources(config: dict) -> str:
    """The resource class of one encode or check-codec job: ``"gpu"`` for a learned codec (a
    network runs on every image), ``"cpu"`` for JPEG, HOG-guided JPEG, noise, blur and the
    identity (no network: a GPU would sit idle). A config naming no codec asks for ``"cpu"``
    (the stage itself refuses it with the valid codecs)."""
    return "gpu" if "codec" in config and is_learned(config["codec"]) else "cpu"


def prepare_cifar10c_disk(config: dict) -> int:
    """Bytes one prepare-cifar10c job writes: per corruption, ``<corruption>.npy`` of severities
    x N images of H x W x 3 uint8, and labels.npy (severities x N uint8), N the test split's
    images (``dataset.limit`` when set), H = W the dataset's side; plus its small meta.json."""
    ref = config["dataset"]
    n = lcc.data.split_size(ref["name"], "test", ref.get("limit"))
    side = lcc.data.dataset_info(ref["name"]).image_size
    corruptions, severities = len(config["corruptions"]), len(config["severities"])
    return corruptions * severities * n * side * side * 3 + severities * n + META_BYTES


def train_disk(config: dict) -> int:
    """Bytes one train job writes: best.pt and last.pt (the arch's P float32 parameters each)
    and checkpoint.pt (the weights and, with ``recipe.momentum`` > 0, SGD's momentum buffer),
    16P in all (12P without momentum), and its train_curve rows; P from
    :meth:`lcc.specs.models.ModelSpec.param_count` (BatchNorm statistics are not counted)."""
    dataset, momentum = config["dataset"], config["recipe"]["momentum"]
    params = get_spec(config["arch"]).param_count(dataset["num_classes"], dataset["image_size"])
    return 4 * params * (4 if momentum else 3) + ROWS_FILE


def evaluate_disk(config: dict) -> int:
    """Bytes one evaluate job writes: its evaluation rows (one small Parquet file) and its
    predictions, :data:`PREDICTION_CELL_BYTES` per evaluation cell (eval set, corruption,
    severity) of at most :data:`MAX_TEST_IMAGES` images (the config does not hold the count).
    """
    n_cells = len([s for s in config["eval_sets"] if s != "cifar10c"])
    if "cifar10c" in config["eval_sets"]:
        n_cells += len(config["corruptions"]) * len(config["severities"])
    return ROWS_FILE + n_cells * PREDICTION_CELL_BYTES


def fourier_disk(config: dict) -> int:
    """Bytes one fourier job writes: heat_map.npy (32 x 32 float64) and its
    fourier_sensitivity rows (one per frequency, one small Parquet file)."""
    return FOURIER_SIDE * FOURIER_SIDE * 8 + ROWS_FILE


def saliency_disk(config: dict) -> int:
    """Bytes one saliency job writes: saliency.npy (2 views x N images x 32 x 32 float32; saliency
    jobs are planned for 32x32 datasets only, grid/expand_saliency.py) and its rows, one per
    image and view, counted at :data:`ROW_BYTES` each (rate_distortion's; not measured here)."""
    views = 2 * config["images"]
    return views * (FOURIER_SIDE * FOURIER_SIDE * 4 + ROW_BYTES) + ROWS_FILE


def contrastive_disk(config: dict) -> int:
    """Bytes one contrastive job writes: encoder.pt (the arch's P float32 parameters) and
    checkpoint.pt (encoder, projection head and Adam's two moments, 3 x 4P plus the head's),
    16P in all plus the head's 12 (d^2 + d p) bytes, d the arch's feature width
    (:meth:`lcc.specs.models.ModelSpec.feature_width`), p = ``projection_dim``; and its rows."""
    dataset = config["dataset"]
    spec = get_spec(config["arch"])
    params = spec.param_count(dataset["num_classes"], dataset["image_size"])
    d = spec.feature_width(dataset["image_size"])
    return 16 * params + ROWS_FILE + 12 * d * (d + config["settings"]["projection_dim"])


declare("fit-codec", resources="gpu", disk=fit_codec_disk)
declare("gate-reference", resources="cpu", disk=rows_only_disk)
declare("check-codec", resources=codec_resources, disk=rows_only_disk)
declare("encode", resources=codec_resources, disk=encode_disk)
declare("prepare-cifar10c", resources="cpu", disk=prepare_cifar10c_disk)
declare("train", resources="gpu", disk=train_disk)
declare("evaluate", resources="gpu", disk=evaluate_disk)
declare("fourier", resources="gpu", disk=fourier_disk)
declare("gabor", resources="cpu", disk=rows_only_disk)
declare("saliency", resources="gpu", disk=saliency_disk)
declare("contrastive", resources="gpu", disk=contrastive_disk)
