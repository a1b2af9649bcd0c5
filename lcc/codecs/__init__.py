"""Codecs: the data-quality transforms of the thesis (JPEG, learned BLS/BMHJ, noise, blur,
identity), their rates, and the training of the learned ones.

``get(name, level, weights=None, device="cpu").encode(images)`` returns an
:class:`EncodeResult`; ``validate(name, level)`` checks a level without weights or data;
``fit(...)`` trains a learned codec, resumably.
"""

from lcc.codecs.base import Codec, EncodeResult
from lcc.codecs.fit import fit
from lcc.codecs.registry import CODECS, get, is_learned, validate

__all__ = ["CODECS", "Codec", "EncodeResult", "fit", "get", "is_learned", "validate"]
