"""Reading encoded splits (an encode job's folder) and joining several into one dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lcc.artifacts import IMAGES, LABELS, META
from lcc.data import Dataset


def encoded_label(meta: dict) -> str:
    """A short name of an encoded split's codec and level: ``"bls:0.012"``, ``"identity"``."""
    if meta["level"] is None:
        return meta["codec"]
    return f"{meta['codec']}:{meta['level']:g}"


def load_encoded(folder: str | Path) -> Dataset:
    """The split an encode job wrote to ``folder`` (images memory-mapped, read-only), named
    ``<dataset>[<codec>:<level>]``."""
    folder = Path(folder)
    files = [folder / f for f in (IMAGES, LABELS, META)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"encoded split incomplete: missing {', '.join(missing)}")
    meta = json.loads(files[2].read_text())
    return Dataset(
        name=f"{meta['dataset']}[{encoded_label(meta)}]",
        split=meta["split"],
        images=np.load(files[0], mmap_mode="r"),
        labels=np.load(files[1]).astype(np.int64),
        classes=tuple(meta["classes"]),
    )


def join_encoded(folders: list[str | Path]) -> Dataset:
    """The union of several encoded versions of one split (e.g. BLS λ=0.012 ∪ λ=0.1, the
    thesis' top-2), concatenated in the given order, named ``<dataset>[bls:0.012+bls:0.1]``;
    its fingerprint is that of the joined content."""
    if not folders:
        raise ValueError("join_encoded needs at least one encoded split folder")
    parts = [load_encoded(f) for f in folders]
    metas = [json.loads((Path(f) / META).read_text()) for f in folders]
    sources = {(m["dataset"], m["fingerprint"], m["split"]) for m in metas}
    if len(sources) != 1:
        raise ValueError(f"cannot join encodings of different splits: {sorted(sources)}")
    dataset, _, split = sources.pop()
    return Dataset(
        name=f"{dataset}[{'+'.join(encoded_label(m) for m in metas)}]",
        split=split,
        images=np.concatenate([p.images for p in parts]),
        labels=np.concatenate([p.labels for p in parts]),
        classes=parts[0].classes,
    )
