"""Learned codecs (those of :mod:`lcc.specs.codecs` with ``learned=True``): trained weights,
batched coding with real rANS strings."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import torch
from compressai.models import CompressionModel

from lcc.artifacts import META, MODEL
from lcc.codecs.architectures import (
    analyse,
    arch_record,
    build_model,
    coded_bits,
    entropy_modules,
    estimated_bits,
    pad_to_multiple,
)
from lcc.codecs.base import EncodeResult, check_images
from lcc.codecs.parallel import chunk_bounds, default_workers, map_in_processes
from lcc.specs.levels import lagrange_multiplier


class LearnedCodec:
    """A trained CompressAI model at one λ.

    Transforms run on ``device`` in batches of ``batch_size``; the entropy coding that yields
    the actual bits runs on the CPU, spread over ``workers`` processes when a call has at
    least ``min_per_worker`` images per worker. Reconstructions are the eval-mode forward
    pass's (equal to ``decompress()`` of the coded strings), clipped and rounded to uint8.
    """

    def __init__(
        self,
        name: str,
        lmbda: float,
        model: CompressionModel,
        device: str = "cpu",
        batch_size: int = 256,
        workers: int | None = None,
        min_per_worker: int = 1024,
    ) -> None:
        self.name = name
        self.level = lagrange_multiplier(name, lmbda)
        self.model = model.to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self.workers = default_workers() if workers is None else workers
        self.min_per_worker = min_per_worker
        self.multiple = model.downsampling_factor  # padding multiple, as CompressAI reads it

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """Code uint8 ``(N, H, W, 3)`` images: reconstructions plus estimated and actual bits."""
        images = check_images(images)
        recon = np.empty_like(images)
        estimated = np.empty(len(images))
        coding: list[dict[str, torch.Tensor]] = []
        for start in range(0, len(images), self.batch_size):
            stop = min(start + self.batch_size, len(images))
            recon[start:stop], estimated[start:stop], batch_coding = self._transform(
                images[start:stop]
            )
            coding.append(batch_coding)
        return EncodeResult(recon, estimated, self._actual_bits(coding, len(images)), None)

    def _transform(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        height, width = batch.shape[1:3]
        x = torch.from_numpy(np.ascontiguousarray(batch)).to(self.device)
        x = pad_to_multiple(x.permute(0, 3, 1, 2).float() / 255.0, self.multiple)
        with torch.no_grad():
            result = analyse(self.model, x)
            x_hat = result.x_hat[..., :height, :width].clamp(0, 1).mul(255).round()
            recon = x_hat.to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
            bits = estimated_bits(result.likelihoods).double().cpu().numpy()
        return recon, bits, {k: v.cpu() for k, v in result.coding.items()}

    def _actual_bits(self, coding: list[dict[str, torch.Tensor]], n: int) -> np.ndarray:
        if n == 0:
            return np.empty(0)
        tensors = {k: torch.cat([c[k] for c in coding]) for k in coding[0]}
        workers = min(self.workers, max(1, n // self.min_per_worker))
        modules = {k: copy.deepcopy(m).cpu() for k, m in entropy_modules(self.model).items()}
        jobs = [
            (modules, {k: v[a:b] for k, v in tensors.items()}) for a, b in chunk_bounds(n, workers)
        ]
        parts = map_in_processes(coded_bits, jobs, workers, torch.set_num_threads, (1,))
        return np.array([bits for part in parts for bits in part], dtype=np.float64)


def weights_files(weights: str | Path) -> tuple[Path, Path]:
    """``(model.pt, meta.json)`` for a fit job folder or a path to its ``model.pt``."""
    path = Path(weights)
    model_file = path / MODEL if path.is_dir() else path
    meta_file = model_file.parent / META
    for required in (model_file, meta_file):
        if not required.is_file():
            raise FileNotFoundError(
                f"learned codec weights {required} not found (is the fit-codec job complete?)"
            )
    return model_file, meta_file


def check_meta(meta: dict, name: str, lmbda: float, source: Path) -> None:
    """Raise a one-line ValueError unless ``meta`` describes codec ``name`` at ``lmbda``."""
    arch = arch_record(name)
    if meta.get("codec") != name or meta.get("arch") != arch:
        raise ValueError(
            f"checkpoint {source} holds codec {meta.get('codec')!r} with arch "
            f"{meta.get('arch')}, not the requested {name!r} with arch {arch}"
        )
    level = meta.get("level")
    if not isinstance(level, (int, float)) or not math.isclose(level, lmbda, rel_tol=1e-9):
        raise ValueError(f"checkpoint {source} was fit at lambda {level!r}, not {lmbda!r}")


def load_learned(
    name: str, lmbda: float, weights: str | Path | None, device: str = "cpu"
) -> LearnedCodec:
    """The learned codec ``name`` at ``lmbda`` with weights from a fit-codec job folder (or its
    ``model.pt`` beside ``meta.json``); one clear error if they do not match."""
    lmbda = lagrange_multiplier(name, lmbda)
    if weights is None:
        raise ValueError(f"codec {name!r} needs weights: a fit-codec job folder with model.pt")
    model_file, meta_file = weights_files(weights)
    check_meta(json.loads(meta_file.read_text()), name, lmbda, meta_file)
    model = build_model(name)
    state = torch.load(model_file, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError) as err:
        first_line = str(err).strip().splitlines()[0]
        raise ValueError(
            f"{model_file} does not fit the {name!r} architecture: {first_line}"
        ) from None
    if model.entropy_bottleneck._quantized_cdf.numel() == 0:
        raise ValueError(f"{model_file} was saved before update(); its entropy coder is empty")
    return LearnedCodec(name, lmbda, model, device=device)
