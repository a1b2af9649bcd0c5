"""Tables 3.2/3.3 of the thesis beside the counts of the networks this suite builds."""

from __future__ import annotations

from typing import NamedTuple

from lcc.models.registry import MODELS, build, param_count

# The thesis' "Number of Parameters" column, as printed (CIFAR-10: 32x32, 10 classes).
THESIS_COUNTS = {
    "vgg11": 9_231_114,
    "vgg11-1": 1_555_466,
    "vgg11-2": 669_962,
    "vgg11-3": 300_554,
    "vgg11-4": 113_610,
    "vgg11-5": 48_426,
    "resnet18": 11_173_962,
    "res18-1": 4_903_242,
    "res18-2": 1_235_274,
    "res18-3": 326_374,
    "res18-4": 116_810,
}

DISCREPANCIES = {
    "vgg11-3": "thesis figure equals a Linear(256,10) head on a 128-channel output, which cannot "
    "run; we build the listed channels",
    "res18-3": "thesis figure is exactly 100 below the listed channels' count (likely a typo)",
}


class ParamRow(NamedTuple):
    """One line of Table 3.2/3.3: the listed architecture, our count and the thesis' count."""

    model: str
    architecture: str
    count: int
    thesis_count: int
    note: str


def thesis_param_table() -> list[ParamRow]:
    """Rows for Tables 3.2 (VGG11) and 3.3 (ResNet18), counted on built 32x32/10-class models.

    ``note`` is empty where the counts agree and states the discrepancy where they differ.
    """
    rows = []
    for name, spec in MODELS.items():
        count = param_count(build(name, num_classes=10, image_size=32))
        rows.append(
            ParamRow(
                model=name,
                architecture=str(list(spec.architecture)),
                count=count,
                thesis_count=THESIS_COUNTS[name],
                note=DISCREPANCIES.get(name, "") if count != THESIS_COUNTS[name] else "",
            )
        )
    return rows
