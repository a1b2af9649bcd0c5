"""Codecs: the data-quality transforms of the thesis (JPEG, learned BLS/BMHJ, noise, blur,
identity), the learned codecs of its future work (BLS fitted on SSIM or with a classifier's
loss, thesis §6.1; the mean-scale hyperprior), their rates, and the training of the learned ones.

``get(name, level, weights=None, device="cpu").encode(images)`` returns an
:class:`EncodeResult`; ``validate(name, level)`` checks a level without weights or data;
``fit(...)`` trains a learned codec, resumably; ``encode_split`` streams a split to disk;
``load_encoded``/``join_encoded`` read encoded splits back (joined sets included).
"""

import lcc.codecs.jit_warning  # noqa: F401  (first: before any module imports compressai)
from lcc.codecs.base import Codec, EncodeResult
from lcc.codecs.encoded import join_encoded, load_encoded
from lcc.codecs.fit import fit
from lcc.codecs.registry import CODECS, get, is_learned, is_seeded, objective_of, validate
from lcc.codecs.split import encode_split

__all__ = [
    "CODECS",
    "Codec",
    "EncodeResult",
    "encode_split",
    "fit",
    "get",
    "is_learned",
    "is_seeded",
    "join_encoded",
    "load_encoded",
    "objective_of",
    "validate",
]
