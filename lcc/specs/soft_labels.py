"""The two training sets of the soft-label comparison (thesis §6.3, future work: human soft
labels; grid/expand_soft_labels.py plans them, analysis reports them): the test split's images
trained against per-image class distributions (:mod:`lcc.data.soft_labels`), and the same
images against their hard labels, the control. Both are evaluated on the training split."""

from __future__ import annotations

SOFT_SET = "test:soft-labels"  # config.train_set.label of the soft-label training
HARD_SET = "test:hard-labels"  # ... of its control on the same images with hard labels
SOFT_LABEL_SETS = (SOFT_SET, HARD_SET)
