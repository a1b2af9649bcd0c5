"""Precision policies of training and evaluation (:mod:`lcc.evaluate.device_images`)."""

PRECISIONS = ("bf16", "fp32")  # bf16 autocast (and channels-last) on CUDA, or float32
