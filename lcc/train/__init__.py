"""Training classifiers: the thesis recipe on device-resident uint8 data."""

from lcc.specs.train_recipe import (
    AUGMENTATIONS,
    PRESETS,
    RECIPE_KEYS,
    Recipe,
    RecipeError,
    resolve_recipe,
    thesis_batch_size,
)
from lcc.train.loop import EpochRecord, ImageSet, TrainResult, train
from lcc.train.progress import make_progress

__all__ = [
    "AUGMENTATIONS",
    "PRESETS",
    "RECIPE_KEYS",
    "EpochRecord",
    "ImageSet",
    "Recipe",
    "RecipeError",
    "TrainResult",
    "make_progress",
    "resolve_recipe",
    "thesis_batch_size",
    "train",
]
