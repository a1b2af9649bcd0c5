"""Settings of contrastive pretraining across compression levels (thesis §6.3, future work,
Fig 6.2: "A pair of weight-sharing encoders are jointly trained using a contrastive loss that
pulls the same image compressed to different extents and pushes apart different images. Once
trained, the encoder's output can be used to train a DNN classifier."), checked torch-free at
plan time; the pretraining itself is :mod:`lcc.train.contrastive`.

The loss is NT-Xent (SimCLR, Chen et al. 2020) at ``temperature``; the projection head maps
the classifier's features (width d, the input of its final ``Linear``) through
``Linear(d, d)``, ReLU, ``Linear(d, projection_dim)``. The optimiser is Adam at ``lr``.
``probe`` says how the classifier is then trained on the original training split:
``linear`` freezes the encoder (weights and BatchNorm statistics) and trains the final
``Linear`` alone; ``finetune`` trains every weight, starting from the encoder's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

PROBES = ("linear", "finetune")
# Independent random crops (zero padding, pixels) and mirror flips of each view, as the
# thesis recipe's crop-flip augmentation (lcc.train.augment.crop_flip).
CROP_PADDING = 4
FLIP_PROBABILITY = 0.5
# Keys of the settings that change the encoder (``probe`` changes only the classifier).
PRETRAINING_KEYS = ("epochs", "batch_size", "temperature", "projection_dim", "lr", "seed")


@dataclass(frozen=True)
class ContrastiveSettings:
    """One contrastive pretraining and its probe; a bad value is a one-line ValueError.

    ``epochs``: passes over the pair's images, >= 1; ``batch_size``: images per step, >= 2
    (each brings its two views, so a step compares 2 x batch_size embeddings); ``temperature``
    tau > 0 of NT-Xent; ``projection_dim``: width of the projection head's output, >= 1;
    ``lr``: Adam's rate, > 0; ``seed``: the encoder's initialisation and every epoch's shuffle
    and augmentation, >= 0; ``probe``: one of :data:`PROBES`.
    """

    epochs: int = 10
    batch_size: int = 256
    temperature: float = 0.5
    projection_dim: int = 64
    lr: float = 1e-3
    seed: int = 0
    probe: str = "linear"

    def __post_init__(self) -> None:
        for name, low in (("epochs", 1), ("batch_size", 2), ("projection_dim", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(
                    f"invalid contrastive {name} {value!r}; valid: an integer >= {low}"
                )
        for name in ("temperature", "lr"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"invalid contrastive {name} {value!r}; valid: a number > 0")
        if self.probe not in PROBES:
            raise ValueError(
                f"invalid contrastive probe {self.probe!r}; valid: {', '.join(PROBES)}"
            )

    def pretraining_config(self) -> dict:
        """The settings that change the encoder (all but ``probe``): a contrastive job's."""
        return {key: value for key, value in asdict(self).items() if key in PRETRAINING_KEYS}
