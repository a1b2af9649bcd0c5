"""The classifier registry: name -> how to build it and which image sizes it accepts.

Names: ``vgg11``, ``resnet18`` (any power-of-two size >= 32 / any multiple of 32; 64x64 gives
the author's Tiny ImageNet adaptations) and the reduced CIFAR-10 variants ``vgg11-1`` ..
``vgg11-5`` (Table 3.2, 32x32 only) and ``res18-1`` .. ``res18-4`` (Table 3.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from lcc.models.resnet import POOL, STAGE_WIDTHS, ResNet, downsampling
from lcc.models.vgg import VGG, reduced_vgg_layout, vgg11_layout


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

    def make(self, num_classes: int, image_size: int) -> nn.Module:
        """A freshly initialised network (no size check; use :func:`build`)."""
        if self.family == "resnet":
            return ResNet(self.blocks, num_classes, image_size)
        layout = reduced_vgg_layout(self.widths) if self.widths else vgg11_layout(image_size)
        return VGG(layout, num_classes)


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


def validate(name: str, num_classes: int, image_size: int) -> None:
    """Raise KeyError/ValueError unless :func:`build` would accept these arguments."""
    spec = get_spec(name)
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2; got {num_classes}")
    spec.check_image_size(image_size)


def build(name: str, num_classes: int, image_size: int) -> nn.Module:
    """A freshly initialised classifier for ``(B, 3, image_size, image_size)`` inputs.

    Raises KeyError for an unknown name and ValueError for an image size the network cannot
    take. Initialisation draws from torch's global RNG (seed it for reproducibility).
    """
    validate(name, num_classes, image_size)
    return MODELS[name].make(num_classes, image_size)


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters (BatchNorm running statistics excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
