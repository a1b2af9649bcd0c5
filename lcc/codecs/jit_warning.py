"""Silence the one warning every command printed, before compressai is first imported.

compressai 1.2.8 imports torch_geometric (``compressai.registry.transforms``), whose modules
call ``torch.jit.script`` when they are imported; torch 2.14 deprecates that call with a
FutureWarning (``torch/jit/_script.py``), so every command that loaded a codec printed it,
though the suite never scripts anything. Only that warning is filtered: its message, its
category and the torch module that raises it. Imported first by :mod:`lcc.codecs`, the one
package that imports compressai.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings(
    "ignore",
    message=r"`torch\.jit\.script` is deprecated",
    category=FutureWarning,
    module=r"torch\.jit\._script",
)
