"""JPEG with Pillow at a given quality (Pillow's default 4:2:0 subsampling), as the thesis."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lcc.codecs.base import EncodeResult, check_images
from lcc.codecs.parallel import chunk_bounds, default_workers, map_in_processes
from lcc.specs.levels import jpeg_quality

# Markers without a length field (SOI, EOI, RSTn, TEM) before the first scan.
_STANDALONE = {0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)}
_SOS = 0xDA


def start_of_scan(data: bytes) -> int:
    """Byte offset of the first start-of-scan marker (0xFFDA), found by walking the segments."""
    pos = 2  # after SOI
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"corrupt JPEG: expected a marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == _SOS:
            return pos
        elif marker in _STANDALONE:
            pos += 2
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    raise ValueError("corrupt JPEG: no start-of-scan marker")


def scan_header_bits(data: bytes) -> int:
    """Bits of a JPEG file's scan overhead inside its content bits: the first start-of-scan
    segment (marker, length field and component table: 14 bytes for 3 components) and the
    end-of-image marker (2 bytes); 128 bits for Pillow's baseline RGB files, whatever the
    image size (0.125 bpp at 32x32). Content bits minus these are the entropy-coded data."""
    sos = start_of_scan(data)
    return 8 * (2 + int.from_bytes(data[sos + 2 : sos + 4], "big") + 2)


def encode_one(image: np.ndarray, quality: int) -> tuple[np.ndarray, int, int]:
    """JPEG round trip of one uint8 ``(H, W, 3)`` image: (decoded image, content bits, file bits).

    Content bits run from the start-of-scan marker to the end of the file (scan header and
    end marker included, tables and other headers excluded), as the thesis counted them.
    """
    buffer = io.BytesIO()
    Image.fromarray(image, "RGB").save(buffer, format="JPEG", quality=quality)
    data = buffer.getvalue()
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    return decoded, 8 * (len(data) - start_of_scan(data)), 8 * len(data)


def encode_chunk(images: np.ndarray, quality: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`encode_one` over ``(N, H, W, 3)``: (decoded, content bits (N,), file bits (N,))."""
    out = np.empty_like(images)
    content = np.empty(len(images))
    total = np.empty(len(images))
    for i, image in enumerate(images):
        out[i], content[i], total[i] = encode_one(image, quality)
    return out, content, total


class JpegCodec:
    """Pillow JPEG at ``quality`` 1..95; batches spread over ``workers`` processes."""

    name = "jpeg"

    def __init__(self, quality: int, workers: int | None = None, min_per_worker: int = 512):
        self.quality = jpeg_quality(quality)
        self.level = float(self.quality)
        self.workers = default_workers() if workers is None else workers
        self.min_per_worker = min_per_worker

    @property
    def header_bits(self) -> int:
        """Scan-overhead bits per image inside :func:`encode_one`'s content bits
        (:func:`scan_header_bits`): the same for every image Pillow writes baseline, so read
        once off an 8x8 file at this quality."""
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8)).save(buffer, format="JPEG", quality=self.quality)
        return scan_header_bits(buffer.getvalue())

    def encode(self, images: np.ndarray, first_index: int = 0) -> EncodeResult:
        """JPEG round trip of uint8 ``(N, H, W, 3)`` images with per-image content/file bits."""
        images = check_images(images)
        workers = min(self.workers, max(1, len(images) // self.min_per_worker))
        bounds = chunk_bounds(len(images), workers)
        jobs = [(np.ascontiguousarray(images[a:b]), self.quality) for a, b in bounds]
        parts = map_in_processes(encode_chunk, jobs, workers)
        if not parts:
            empty = np.empty(0)
            return EncodeResult(np.empty_like(images), None, empty, empty)
        recon, content, total = (np.concatenate(p) for p in zip(*parts, strict=True))
        return EncodeResult(reconstructions=recon, bits_actual=content, bits_file=total)
