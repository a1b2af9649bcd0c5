"""File names of what lcc's writers leave in a folder and its readers look for there: an
encoded split (:mod:`lcc.codecs.encoded`), a fitted codec (:mod:`lcc.codecs.fit`,
:mod:`lcc.codecs.learned`) and a training run (:mod:`lcc.train.checkpoint`).

The one home of these names: :class:`grid.store.folder.JobFolder` exposes each as a property
of a job folder (``folder.model``, ``folder.meta`` …), and no module spells them again.
Imports nothing, so the torch-free layers may read it (docs/ARCHITECTURE.md, "Layering").
"""

from __future__ import annotations

IMAGES = "images.npy"  # an encoded split's images, uint8 (N, H, W, 3), memory-mappable
LABELS = "labels.npy"  # an encoded split's labels, (N,)
META = "meta.json"  # what the folder holds: an encoded split, a fitted codec, a trained model
MODEL = "model.pt"  # a fitted codec's final state_dict (after update())
CHECKPOINT = "checkpoint.pt"  # resume state of a fit or a training run, rewritten each epoch
BEST = "best.pt"  # a training run's state_dict at its best epoch
LAST = "last.pt"  # a training run's state_dict at its latest epoch
ENCODER = "encoder.pt"  # a contrastive pretraining's encoder state_dict (no final Linear)
