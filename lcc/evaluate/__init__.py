"""Evaluating classifiers: top-1/top-5/loss on uint8 image arrays, per-dataset normalisation."""

from lcc.evaluate.device_images import PRECISIONS, to_device_images, to_device_labels
from lcc.evaluate.metrics import evaluate, evaluate_tensors
from lcc.evaluate.normalization import NORMALIZATIONS, Normalization, get_normalization

__all__ = [
    "NORMALIZATIONS",
    "PRECISIONS",
    "Normalization",
    "evaluate",
    "evaluate_tensors",
    "get_normalization",
    "to_device_images",
    "to_device_labels",
]
