"""The soft targets of a train job with ``config.soft_labels`` (thesis §6.3, future work:
human soft labels; planned by grid/expand_soft_labels.py): its ``train_data`` is the encode
job of the original test split, and each image's integer label is replaced by its row of
the soft-label file (:mod:`lcc.data.soft_labels`), read, checked and aligned here."""

from __future__ import annotations

from grid.context import JobContext
from lcc.data.soft_labels import SoftLabelError, split_targets
from lcc.train.loop import ImageSet


def with_soft_labels(ctx: JobContext, train_set: ImageSet) -> ImageSet:
    """``train_set`` itself without ``config.soft_labels`` (``{"path", "fingerprint"}``), else
    its images with float32 ``(N, C)`` targets. Refuses (one line) a ``train_data`` other than
    one encode of the original test split, a file changed since planning, or one whose order
    is not the split's (:func:`lcc.data.soft_labels.split_targets`)."""
    spec = ctx.config.get("soft_labels")
    if spec is None:
        return train_set
    encodes = ctx.input_jobs("train_data")
    original_test = [
        j for j in encodes if (j.config["split"], j.config["codec"]) == ("test", "identity")
    ]
    if len(encodes) != 1 or not original_test:
        raise ValueError("soft labels need one train_data input: the original test split's encode")
    ref = encodes[0].config["dataset"]
    targets = split_targets(spec["path"], ref["name"], ref.get("root"), ref["limit"],
                            expected=spec["fingerprint"])  # fmt: skip
    images, labels = train_set
    if len(targets) != len(labels):
        raise SoftLabelError(
            f"soft labels {spec['path']}: {len(targets)} rows for {len(labels)} images"
        )
    return images, targets
