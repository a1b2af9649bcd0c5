"""The saliency maps' settings (thesis §6.2, future work: "Saliency maps in image space can be
constructed using backpropagation on trained classifiers to visually compare what regions of
compressed and original images are used for classification"), checked torch-free at plan
time; the maps themselves are :mod:`lcc.evaluate.saliency`.

``method``: ``gradient`` (the gradient of the true class's logit with respect to the input
pixels) or ``smoothgrad`` (Smilkov et al. 2017, "SmoothGrad: removing noise by adding
noise": the mean of that gradient over ``samples`` copies of the image, each with Gaussian
noise of standard deviation ``sigma`` added, ``sigma`` a fraction of the pixel range [0, 1];
the paper finds 10 to 20 % and some 50 samples best on ImageNet, and its maps settle after
about 20 to 30 at 224 x 224). ``compressed``: the compressed view, ``"<codec>:<level>"`` (a
codec of :data:`lcc.specs.codecs.CODECS` and a level valid for it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lcc.specs.codecs import validate

METHODS = ("gradient", "smoothgrad")
DEFAULT_METHOD = "smoothgrad"
DEFAULT_SAMPLES = 16  # noisy copies per image (smoothgrad)
DEFAULT_SIGMA = 0.15  # noise standard deviation, fraction of the pixel range [0, 1]
DEFAULT_IMAGES = 1000  # the first N test images
DEFAULT_BATCH_SIZE = 256  # images per forward and backward pass
DEFAULT_COMPRESSED = "jpeg:10"  # the thesis' strongest JPEG level in future_cpu and ch.4
# The views of the test images a saliency job reads, in the order of its saliency.npy's first
# axis (grid/stages/saliency.py writes it, analysis/figures/saliency.py reads it).
VIEWS = ("clean", "compressed")


@dataclass(frozen=True)
class SaliencySettings:
    """One saliency measurement; a bad value is a one-line ValueError naming it.

    ``method``: one of :data:`METHODS`; ``samples``: noisy copies per image, an integer >= 1
    (``gradient`` needs exactly 1); ``sigma``: noise standard deviation in (0, 1], fraction of
    the pixel range; ``images``: the first N test images, >= 1; ``batch_size``: images per
    pass, >= 1; ``seed``: the noise's seed, >= 0; ``compressed``: ``"<codec>:<level>"``.
    """

    method: str = DEFAULT_METHOD
    samples: int = DEFAULT_SAMPLES
    sigma: float = DEFAULT_SIGMA
    images: int = DEFAULT_IMAGES
    batch_size: int = DEFAULT_BATCH_SIZE
    seed: int = 0
    compressed: str = DEFAULT_COMPRESSED

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(
                f"invalid saliency method {self.method!r}; valid: {', '.join(METHODS)}"
            )
        for name, low in (("samples", 1), ("images", 1), ("batch_size", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"invalid saliency {name} {value!r}; valid: an integer >= {low}")
        if self.method == "gradient" and self.samples != 1:
            raise ValueError(
                f"invalid saliency samples {self.samples!r} for method 'gradient'; valid: 1 "
                "(or method 'smoothgrad')"
            )
        sigma = self.sigma
        if isinstance(sigma, bool) or not isinstance(sigma, int | float) or not 0 < sigma <= 1:
            raise ValueError(
                f"invalid saliency sigma {sigma!r}; valid: a number in (0, 1] (fraction of the "
                "pixel range)"
            )
        object.__setattr__(self, "sigma", float(sigma))
        codec_level(self.compressed)

    @property
    def codec(self) -> str:
        """The compressed view's codec."""
        return codec_level(self.compressed)[0]

    @property
    def level(self) -> float:
        """The compressed view's level."""
        return codec_level(self.compressed)[1]

    def to_config(self) -> dict:
        """The JSON-able config of a saliency job."""
        return asdict(self)


def codec_level(text: object) -> tuple[str, float]:
    """``"<codec>:<level>"`` -> ``(codec, level)``, checked against the codec registry (a
    one-line ValueError naming the value and the valid form otherwise)."""
    codec, _, level = text.rpartition(":") if isinstance(text, str) else ("", "", "")
    try:
        value = float(level)
        validate(codec, value)
    except ValueError as err:
        raise ValueError(
            f"invalid saliency compressed {text!r}; valid: '<codec>:<level>', e.g. "
            f"{DEFAULT_COMPRESSED!r} ({err})"
        ) from None
    return codec, value
