"""Classifiers: VGG11, ResNet18 and their reduced variants (thesis Tables 3.2 and 3.3)."""

from lcc.models.registry import MODELS, ModelSpec, build, get_spec, param_count, validate
from lcc.specs.models import ParamRow, thesis_param_table

__all__ = [
    "MODELS",
    "ModelSpec",
    "ParamRow",
    "build",
    "get_spec",
    "param_count",
    "thesis_param_table",
    "validate",
]
