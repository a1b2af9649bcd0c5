"""Datasets (CIFAR-10, Tiny ImageNet, the embedded synthetic set) and CIFAR-10-C.

``load(name, split, root=None, limit=None)`` returns a :class:`Dataset` (uint8 images
``(N, H, W, 3)``, int64 labels, class names, content ``fingerprint``);
``dataset_info(name)`` describes a dataset without loading it, ``split_size(name, split,
limit)`` counts a split's images. ``corrupt`` applies one of the
ten thesis :data:`CORRUPTIONS`; ``load_cifar10c`` reads the CIFAR-10-C release layout and
``generate_cifar10c`` / ``write_cifar10c`` produce it.
"""

from lcc.data.cifar10c import (
    RELEASE_CORRUPTIONS,
    generate_cifar10c,
    load_cifar10c,
    write_cifar10c,
)
from lcc.data.corruptions import CORRUPTIONS, SEVERITIES, corrupt
from lcc.data.dataset import SPLITS, Dataset, DatasetInfo
from lcc.data.registry import DATASETS, dataset_info, load, split_size

__all__ = [
    "CORRUPTIONS",
    "DATASETS",
    "RELEASE_CORRUPTIONS",
    "SEVERITIES",
    "SPLITS",
    "Dataset",
    "DatasetInfo",
    "corrupt",
    "dataset_info",
    "generate_cifar10c",
    "load",
    "load_cifar10c",
    "split_size",
    "write_cifar10c",
]
