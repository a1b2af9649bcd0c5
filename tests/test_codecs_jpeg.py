"""JPEG codec: Pillow round trip, content bits from the start-of-scan marker, processes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lcc.codecs.jpeg import JpegCodec, scan_header_bits


def _independent_sos_bits(data: bytes) -> int:
    """Content bits by a plain byte search for the first 0xFFDA (start-of-scan) marker."""
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    return 8 * (len(data) - data.index(b"\xff\xda"))


def _pillow(image: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def test_content_bits_match_an_independent_marker_parse(real_images):
    images = real_images[:12]
    for quality in (5, 60):
        result = JpegCodec(quality, workers=1).encode(images)
        files = [_pillow(image, quality) for image in images]
        assert result.bits_actual.tolist() == [_independent_sos_bits(f) for f in files]
        assert result.bits_file.tolist() == [8 * len(f) for f in files]
        decoded = np.stack([np.asarray(Image.open(io.BytesIO(f))) for f in files])
        assert np.array_equal(result.reconstructions, decoded)
        headers = result.bits_file - result.bits_actual
        assert (headers > 8 * 100).all()  # quantization + Huffman tables are excluded
        assert np.allclose(result.bpp(), result.bits_actual / (32 * 32))


def test_processes_give_the_same_result_as_one_process():
    images = np.random.default_rng(0).integers(0, 256, size=(40, 24, 24, 3), dtype=np.uint8)
    serial = JpegCodec(30, workers=1).encode(images)
    parallel = JpegCodec(30, workers=2, min_per_worker=8).encode(images)
    assert np.array_equal(serial.reconstructions, parallel.reconstructions)
    assert np.array_equal(serial.bits_actual, parallel.bits_actual)
    assert np.array_equal(serial.bits_file, parallel.bits_file)


def test_the_scan_header_is_128_bits_of_the_content_bits(real_images):
    """SOS segment (marker, length 12, 3 component tables: 14 bytes) and EOI (2 bytes)."""
    for quality in (1, 50, 95):
        data = _pillow(real_images[0], quality)
        sos = data.index(b"\xff\xda")
        assert data[sos + 2 : sos + 4] == b"\x00\x0c" and data[-2:] == b"\xff\xd9"
        assert scan_header_bits(data) == 128 == JpegCodec(quality).header_bits
