"""The codec registry: name -> how to build the codec. Each codec is declared once, in
:mod:`lcc.specs.codecs` (names, flags, levels, datasets; re-exported here); this module only
says how to build each from its class: a learned codec from its fit's weights through the
network class attached to its name (:func:`lcc.codecs.architectures.network`), the others
from the class whose ``name`` is the codec's."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from lcc.codecs.base import Codec
from lcc.codecs.blur import GaussianBlurCodec
from lcc.codecs.hog_jpeg import HogJpegCodec
from lcc.codecs.identity import IdentityCodec
from lcc.codecs.jpeg import JpegCodec
from lcc.codecs.learned import load_learned
from lcc.codecs.noise import GaussianNoiseCodec
from lcc.specs.codecs import (  # noqa: F401 (re-exported)
    CODECS,
    CodecSpec,
    is_learned,
    is_seeded,
    objective_of,
    spec_of,
    validate,
)

# The codecs that need no weights, each a class whose ``name`` is the codec's; built with
# the level (and the seed, for a seeded codec); one whose level is None (the identity) with
# neither. (Importing load_learned imports lcc.codecs.architectures, whose @network lines
# attach the learned codecs' networks.)
CLASSES: dict[str, type] = {
    cls.name: cls
    for cls in (JpegCodec, HogJpegCodec, GaussianNoiseCodec, GaussianBlurCodec, IdentityCodec)
}


def _builder(spec: CodecSpec) -> Callable[..., Codec]:
    """``(level, weights, device[, seed]) -> Codec`` for ``spec``, from :data:`CLASSES` or,
    for a learned codec, :func:`lcc.codecs.learned.load_learned`."""
    if spec.learned:
        return partial(load_learned, spec.name)
    if spec.name not in CLASSES:
        raise KeyError(f"codec {spec.name!r} has no class; classes: {', '.join(CLASSES)}")
    cls = CLASSES[spec.name]
    if spec.seeded:
        return lambda level, weights, device, seed: cls(level, seed)
    return lambda level, weights, device: cls() if level is None else cls(level)


def get(
    name: str,
    level: object,
    weights: str | Path | None = None,
    device: str = "cpu",
    seed: int = 0,
) -> Codec:
    """Codec ``name`` at ``level``. Learned codecs need ``weights`` (a fit-codec job folder or
    its ``model.pt``) and run on ``device``; a seeded codec draws from ``seed``; the others
    ignore all three."""
    validate(name, level)
    build = _builder(CODECS[name])
    if CODECS[name].seeded:
        return build(level, weights, device, seed)
    return build(level, weights, device)
