"""Codec registry: names, level validation (no weights or data needed), learned-codec errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lcc import codecs


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("jpeg", 1),
        ("jpeg", 95),
        ("jpeg", 20.0),
        ("hog-jpeg", 10),
        ("bls", 0.012),
        ("bmhj", 0.1),
        ("noise", 0.0),
        ("noise", 1),
        ("blur", 3),
        ("blur", 9.0),
        ("identity", None),
    ],
)
def test_valid_levels_pass(name, level):
    codecs.validate(name, level)


@pytest.mark.parametrize(
    ("name", "level", "valid"),
    [
        ("jpeg", 0, "1..95"),
        ("jpeg", 96, "1..95"),
        ("jpeg", 20.5, "1..95"),
        ("jpeg", True, "1..95"),
        ("jpeg", None, "1..95"),
        ("hog-jpeg", 0, "1..95"),
        ("bls", 0, "lambda > 0"),
        ("bmhj", -0.1, "lambda > 0"),
        ("bls", math.nan, "lambda > 0"),
        ("noise", -0.01, "sigma >= 0"),
        ("blur", 4, "odd"),
        ("blur", 1, "odd"),
        ("blur", "5", "odd"),
        ("identity", 1, "None"),
    ],
)
def test_invalid_levels_name_value_and_range(name, level, valid):
    with pytest.raises(ValueError, match=valid) as err:
        codecs.validate(name, level)
    assert repr(level) in str(err.value)


def test_unknown_codec_lists_the_valid_ones():
    valid = "jpeg, bls, bmhj, bls-ssim, bls-task, mbt-mean, hog-jpeg, noise, blur, identity"
    with pytest.raises(ValueError, match=rf"'png'.*{valid}"):
        codecs.validate("png", 10)
    with pytest.raises(KeyError, match="'png'"):
        codecs.is_learned("png")


def test_registry_names_and_learned_flags():
    learned = ["bls", "bmhj", "bls-ssim", "bls-task", "mbt-mean"]
    assert set(codecs.CODECS) == {"jpeg", *learned, "hog-jpeg", "noise", "blur", "identity"}
    assert [n for n in codecs.CODECS if codecs.is_learned(n)] == learned


def test_get_builds_codecs_at_their_level():
    assert codecs.get("jpeg", 20).level == 20.0
    assert codecs.get("blur", 5).level == 5.0
    assert codecs.get("noise", 0.1).level == 0.1
    assert codecs.get("identity", None).level is None


def test_learned_codec_needs_existing_weights(tmp_path):
    with pytest.raises(ValueError, match="needs weights"):
        codecs.get("bls", 0.01)
    with pytest.raises(FileNotFoundError, match=r"model\.pt"):
        codecs.get("bmhj", 0.01, weights=tmp_path)


def test_encode_rejects_non_rgb_uint8():
    with pytest.raises(ValueError, match="uint8"):
        codecs.get("identity", None).encode(np.zeros((2, 8, 8, 3), dtype=np.float32))
