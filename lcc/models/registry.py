"""The classifier registry: name -> how to build it and which image sizes it accepts.

The declarations (:class:`ModelSpec`, :data:`MODELS`, layouts, size rules, parameter counts)
are torch-free in :mod:`lcc.specs.models`; this module builds the networks.

Names: ``vgg11``, ``resnet18`` (any power-of-two size >= 32 / any multiple of 32; 64x64 gives
the author's Tiny ImageNet adaptations) and the reduced CIFAR-10 variants ``vgg11-1`` ..
``vgg11-5`` (Table 3.2, 32x32 only) and ``res18-1`` .. ``res18-4`` (Table 3.3).
"""

from __future__ import annotations

from torch import nn

from lcc.models.resnet import ResNet
from lcc.models.vgg import VGG
from lcc.specs.models import MODELS, ModelSpec, get_spec, validate  # noqa: F401 (re-exported)


def make(spec: ModelSpec, num_classes: int, image_size: int) -> nn.Module:
    """A freshly initialised network of ``spec`` (no size check; use :func:`build`)."""
    if spec.family == "resnet":
        return ResNet(spec.blocks, num_classes, image_size)
    return VGG(spec.vgg_layout(image_size), num_classes)


def build(name: str, num_classes: int, image_size: int) -> nn.Module:
    """A freshly initialised classifier for ``(B, 3, image_size, image_size)`` inputs.

    Raises KeyError for an unknown name and ValueError for an image size the network cannot
    take. Initialisation draws from torch's global RNG (seed it for reproducibility).
    """
    validate(name, num_classes, image_size)
    return make(MODELS[name], num_classes, image_size)


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters (BatchNorm running statistics excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
