"""The Gabor response histograms' settings (thesis §6.2, future work: "A histogram of Gabor
filter responses may highlight the differences between augmentation strategies"), checked
torch-free at plan time; the histograms themselves are :mod:`lcc.evaluate.gabor`.

Units: a filter's ``frequency`` is its carrier's spatial frequency in cycles per pixel (0 <
f <= 0.5, Nyquist); its ``bandwidth`` is the half-magnitude frequency bandwidth in octaves
(scikit-image's ``gabor_kernel``, whose default is 1, sets the Gaussian envelope's width from
it: sigma = sqrt(ln 2 / 2) / pi * (2^b + 1) / (2^b - 1) / f pixels, 5.6 pixels at f = 0.1);
``orientations`` n gives the angles theta = k * 180 / n degrees, k = 0 .. n - 1, of the
carrier's wave vector from the image's x axis (columns): theta = 0 varies along x, so it
answers vertical stripes most. A response magnitude is ``|image * kernel|`` divided by the
kernel's l1 norm, so on [0, 1] images it lies in [0, 1]; ``bins`` equal bins cover [0,
``max_response``], the last one also counting the responses above it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

DEFAULT_IMAGES = 1000  # the first N images of a training set
DEFAULT_ORIENTATIONS = 4  # 0, 45, 90, 135 degrees
DEFAULT_FREQUENCIES = (0.1, 0.2, 0.4)  # cycles per pixel: coarse, middle, fine (Nyquist 0.5)
DEFAULT_BANDWIDTH = 1.0  # octaves; scikit-image's default
DEFAULT_BINS = 40
# Measured on 300 real CIFAR-10 training images with the default bank: the
# median normalised magnitude is 0.005 to 0.02 per filter, the 99th percentile 0.04 to 0.10,
# so 40 bins over [0, 0.1] resolve where the mass is and the last bin takes under 1 %.
DEFAULT_MAX_RESPONSE = 0.1
NYQUIST = 0.5  # cycles per pixel


@dataclass(frozen=True)
class GaborSettings:
    """One Gabor bank and its histograms; a bad value is a one-line ValueError naming it.

    ``images``: the first N images of a set; ``orientations``: how many angles, evenly over
    180 degrees; ``frequencies``: cycles per pixel, each in (0, 0.5]; ``bandwidth``: octaves,
    > 0; ``bins``: >= 2 equal bins over [0, ``max_response``], ``max_response`` in (0, 1].
    """

    images: int = DEFAULT_IMAGES
    orientations: int = DEFAULT_ORIENTATIONS
    frequencies: tuple[float, ...] = DEFAULT_FREQUENCIES
    bandwidth: float = DEFAULT_BANDWIDTH
    bins: int = DEFAULT_BINS
    max_response: float = DEFAULT_MAX_RESPONSE

    def __post_init__(self) -> None:
        for name, low in (("images", 1), ("orientations", 1), ("bins", 2)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"invalid gabor {name} {value!r}; valid: an integer >= {low}")
        freqs = self.frequencies
        if not isinstance(freqs, list | tuple) or not freqs or not all(map(_in_band, freqs)):
            raise ValueError(
                f"invalid gabor frequencies {freqs!r}; valid: a non-empty list of numbers in "
                f"(0, {NYQUIST}] (cycles per pixel)"
            )
        object.__setattr__(self, "frequencies", tuple(float(f) for f in freqs))
        if not _number(self.bandwidth) or not self.bandwidth > 0:
            raise ValueError(f"invalid gabor bandwidth {self.bandwidth!r}; valid: a number > 0")
        if not _number(self.max_response) or not 0 < self.max_response <= 1:
            raise ValueError(
                f"invalid gabor max_response {self.max_response!r}; valid: a number in (0, 1]"
            )

    @property
    def angles(self) -> tuple[float, ...]:
        """The orientations in degrees, ``k * 180 / orientations``."""
        return tuple(180.0 * k / self.orientations for k in range(self.orientations))

    def to_config(self) -> dict:
        """The JSON-able config of a gabor job (frequencies as a list)."""
        return {**asdict(self), "frequencies": list(self.frequencies)}


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _in_band(value: object) -> bool:
    return _number(value) and 0 < value <= NYQUIST
