"""The classifiers as data: names, layouts, image-size rules and parameter counts, no torch.

:mod:`lcc.models` builds the networks from these declarations; analysis reads the counts of
Tables 3.2/3.3 from here without importing torch. A count is worked out from the layout
(conv 3x3 weights + bias, BatchNorm weight + bias, Linear weight + bias; BatchNorm running
statistics are not parameters) and equals ``lcc.models.param_count`` of the built network
(tests/test_models.py).

VGG (``lcc/models/vgg.py``): 3x3 convs with bias + BatchNorm + ReLU, 2x2 max-pools, ending at
1x1, then ``Linear(last width, classes)``. ResNet (``lcc/models/resnet.py``): a 3x3 stem of
64 channels without bias + BatchNorm, BasicBlocks (two 3x3 convs without bias, each with
BatchNorm; a 1x1 projection + BatchNorm where the shape changes), then a 4x4 average pool and
``Linear(width * side², classes)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

Layout = Sequence[int | str]

STAGE_WIDTHS = (64, 128, 256, 512)  # ResNet stage widths
STAGE_STRIDES = (1, 2, 2, 2)
POOL = 4  # ResNet's final average pool
STEM = 64  # ResNet's stem width


def pools_in(layout: Layout) -> int:
    """How many 2x2 max-pools ``layout`` has (each halves the spatial size)."""
    return sum(1 for item in layout if item == "M")


def vgg11_layout(image_size: int) -> list[int | str]:
    """VGG11's layout, with one more ``512, M`` stage per doubling of ``image_size`` beyond 32.

    32x32 (CIFAR-10) gives the classic 8 convs / 5 pools; 64x64 (Tiny ImageNet) gives the
    author's 9 convs / 6 pools, so the features always end at 1x1.
    """
    layout: list[int | str] = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    size = image_size // 2 ** pools_in(layout)
    while size > 1:
        layout += [512, "M"]
        size //= 2
    return layout


def reduced_vgg_layout(widths: Sequence[int]) -> list[int | str]:
    """A reduced VGG11 variant (Table 3.2): one conv per stage, a max-pool after every conv."""
    layout: list[int | str] = []
    for width in widths:
        layout += [width, "M"]
    return layout


def kept_stages(blocks: Sequence[int]) -> list[int]:
    """The block counts of the ResNet stages that are kept (the leading non-zero entries)."""
    kept = []
    for count in blocks:
        if count == 0:
            break
        kept.append(count)
    return kept


def downsampling(blocks: Sequence[int]) -> int:
    """Total stride of the kept ResNet stages (1, 2, 4 or 8)."""
    factor = 1
    for stride in STAGE_STRIDES[: len(kept_stages(blocks))]:
        factor *= stride
    return factor


@dataclass(frozen=True)
class ModelSpec:
    """One registered classifier.

    ``family`` is ``"vgg"`` or ``"resnet"``; ``architecture`` is the thesis' "Network
    Architecture" column (VGG: conv widths; ResNet: one width per BasicBlock).
    VGG variants carry ``widths`` (one conv per stage); ResNets carry ``blocks`` per stage.
    """

    name: str
    family: str
    architecture: tuple[int, ...]
    widths: tuple[int, ...] = ()
    blocks: tuple[int, ...] = ()

    def check_image_size(self, image_size: int) -> None:
        """Raise ValueError when this network cannot take ``image_size`` x ``image_size``."""
        if self.family == "resnet":
            step = downsampling(self.blocks) * POOL
            if image_size < step or image_size % step:
                raise ValueError(
                    f"{self.name} needs an image size that is a multiple of {step} "
                    f"(stride {downsampling(self.blocks)} then a {POOL}x{POOL} average pool); "
                    f"got {image_size}"
                )
        elif self.widths:
            if image_size != 2 ** len(self.widths):
                raise ValueError(
                    f"{self.name} is defined for {2 ** len(self.widths)}x{2 ** len(self.widths)} "
                    f"inputs only ({len(self.widths)} max-pools must end at 1x1); got {image_size}"
                )
        elif image_size < 32 or image_size & (image_size - 1):
            raise ValueError(
                f"{self.name} needs a power-of-two image size >= 32 (its max-pools must end at "
                f"1x1); got {image_size}"
            )

    def vgg_layout(self, image_size: int) -> list[int | str]:
        """The VGG layout this spec builds at ``image_size`` (VGG family only)."""
        return reduced_vgg_layout(self.widths) if self.widths else vgg11_layout(image_size)

    def param_count(self, num_classes: int, image_size: int) -> int:
        """Trainable parameters of the network built at ``image_size`` for ``num_classes``."""
        self.check_image_size(image_size)
        if self.family == "resnet":
            return _resnet_params(self.blocks, num_classes, image_size)
        return _vgg_params(self.vgg_layout(image_size), num_classes)

    def feature_width(self, image_size: int) -> int:
        """In-features of the final ``Linear`` (the features ``embed`` returns): each added
        class adds that many weights and one bias."""
        return self.param_count(2, image_size) - self.param_count(1, image_size) - 1


def _vgg_params(layout: Layout, num_classes: int) -> int:
    total, channels = 0, 3
    for item in layout:
        if item == "M":
            continue
        width = int(item)
        total += channels * width * 9 + width + 2 * width  # conv (with bias), BatchNorm
        channels = width
    return total + channels * num_classes + num_classes


def _resnet_params(blocks: Sequence[int], num_classes: int, image_size: int) -> int:
    total, channels = 3 * STEM * 9 + 2 * STEM, STEM
    kept = kept_stages(blocks)
    for count, width, stride in zip(kept, STAGE_WIDTHS, STAGE_STRIDES, strict=False):
        for i in range(count):
            total += channels * width * 9 + 2 * width + width * width * 9 + 2 * width
            if (stride if i == 0 else 1) != 1 or channels != width:
                total += channels * width + 2 * width  # 1x1 projection + BatchNorm
            channels = width
    side = image_size // (downsampling(blocks) * POOL)
    return total + channels * side * side * num_classes + num_classes


def _vgg_variant(index: int, widths: tuple[int, ...]) -> ModelSpec:
    return ModelSpec(f"vgg11-{index}", "vgg", widths, widths=widths)


def _res_variant(index: int, blocks: tuple[int, ...]) -> ModelSpec:
    kept = tuple(w for w, b in zip(STAGE_WIDTHS, blocks, strict=True) if b)
    return ModelSpec(f"res18-{index}", "resnet", kept, blocks=blocks)


_SPECS = (
    ModelSpec("vgg11", "vgg", (64, 128, 256, 512, 512, 512, 512)),
    _vgg_variant(1, (64, 128, 256, 256, 256)),
    _vgg_variant(2, (64, 128, 128, 128, 256)),
    _vgg_variant(3, (64, 64, 64, 128, 128)),
    _vgg_variant(4, (32, 32, 32, 64, 128)),
    _vgg_variant(5, (16, 16, 16, 32, 128)),
    ModelSpec("resnet18", "resnet", (64, 64, 128, 128, 256, 256, 512, 512), blocks=(2, 2, 2, 2)),
    _res_variant(1, (1, 1, 1, 1)),
    _res_variant(2, (1, 1, 1, 0)),
    _res_variant(3, (1, 1, 0, 0)),
    _res_variant(4, (1, 0, 0, 0)),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> ModelSpec:
    """The registered classifier ``name``; KeyError listing the valid names otherwise."""
    if name not in MODELS:
        raise KeyError(f"unknown architecture {name!r}; valid: {', '.join(MODELS)}")
    return MODELS[name]


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
    """Rows for Tables 3.2 (VGG11) and 3.3 (ResNet18), counted for 32x32/10-class models.

    ``note`` is empty where the counts agree and states the discrepancy where they differ.
    """
    rows = []
    for name, spec in MODELS.items():
        count = spec.param_count(num_classes=10, image_size=32)
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


def validate(name: str, num_classes: int, image_size: int) -> None:
    """Raise KeyError/ValueError unless :func:`lcc.models.build` would accept these arguments."""
    spec = get_spec(name)
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2; got {num_classes}")
    spec.check_image_size(image_size)
