"""Datasets (CIFAR-10, Tiny ImageNet, the embedded synthetic set) and CIFAR-10-C.

``load(name, split, root=None, limit=None)`` returns a :class:`Dataset` (uint8 images
``(N, H, W, 3)``, int64 labels, class names, content ``fingerprint``);
``dataset_info(name)`` describes a dataset without loading it.
"""

from lcc.data.dataset import SPLITS, Dataset, DatasetInfo
from lcc.data.registry import DATASETS, dataset_info, load

__all__ = ["DATASETS", "SPLITS", "Dataset", "DatasetInfo", "dataset_info", "load"]
