"""Training classifiers: the thesis recipe on device-resident uint8 data."""

from lcc.train.loop import EpochRecord, ImageSet, TrainResult, train
from lcc.train.progress import make_progress
from lcc.train.recipe import AUGMENTATIONS, PRESETS, Recipe

__all__ = [
    "AUGMENTATIONS",
    "PRESETS",
    "EpochRecord",
    "ImageSet",
    "Recipe",
    "TrainResult",
    "make_progress",
    "train",
]
