"""Every experiment of the thesis: classification + param_reduction + robustness.

Jobs identical across the parts (e.g. CIFAR-10 at JPEG q20, VGG11 seed 0) run once.
"""

PARTS = ["classification", "param_reduction", "robustness"]
