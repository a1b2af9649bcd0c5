"""The codec registry: name -> how to build the codec (names, flags and level checks:
:mod:`lcc.specs.codecs`, re-exported here)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from lcc.codecs.base import Codec
from lcc.codecs.blur import GaussianBlurCodec
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


def _simple(cls: type) -> Callable[[object, str | Path | None, str], Codec]:
    """A builder for a codec that needs neither weights nor a device."""
    return lambda level, weights, device: cls(level)


# name -> (level, weights, device[, seed]) -> Codec; a seeded codec's builder takes the seed.
BUILDERS: dict[str, Callable[..., Codec]] = {
    "jpeg": _simple(JpegCodec),
    **{name: partial(load_learned, name) for name, spec in CODECS.items() if spec.learned},
    "noise": lambda level, weights, device, seed: GaussianNoiseCodec(level, seed),
    "blur": _simple(GaussianBlurCodec),
    "identity": lambda level, weights, device: IdentityCodec(),
}
if set(BUILDERS) != set(CODECS):  # every codec of lcc.specs.codecs can be built, no other
    raise ImportError(f"codec builders {sorted(BUILDERS)} != codecs {sorted(CODECS)}")


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
    build = BUILDERS[name]
    if CODECS[name].seeded:
        return build(level, weights, device, seed)
    return build(level, weights, device)
