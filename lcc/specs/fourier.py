"""The Fourier heat map's settings (thesis §6.2), checked torch-free at plan time (the map
itself is :mod:`lcc.evaluate.fourier`)."""

from __future__ import annotations

DEFAULT_NORM = 4.0  # l2 norm of one channel's perturbation, pixels on [0, 1]; ref. [46] §2


def check_settings(norm: float, images: int, batch_size: int) -> None:
    """One-line ValueError for a norm <= 0, fewer than one image or a batch size < 1."""
    if isinstance(norm, bool) or not isinstance(norm, int | float) or not norm > 0:
        raise ValueError(f"invalid fourier norm {norm!r}; valid: a number > 0 (l2, pixels [0, 1])")
    for name, value in (("images", images), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"invalid fourier {name} {value!r}; valid: an integer >= 1")
