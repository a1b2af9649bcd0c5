"""Thesis §6.1 future work, at thesis size: learned codecs fitted with other objectives, and a
stronger learned codec, beside BLS and JPEG.

The robustness grid (VGG11 on CIFAR-10 × 3 seeds, CIFAR-10-C, BDA/BDAD/BDADS, the joined
top-2 BLS set) with three more learned codecs at the BLS λ grid: ``bls-ssim`` (the BLS
network fitted on rate + λ·1250·(1 − SSIM)), ``bls-task`` (rate + λ·MSE + β·cross-entropy of
a frozen VGG11 trained on the original data, ``fit.task_beta``) and ``mbt-mean`` (CompressAI's
mean-scale hyperprior); lcc/codecs/objectives.py and architectures.py have the details.
Classifiers are trained on each of their levels; their rate–distortion rows and accuracies
appear in the same figures as BLS and JPEG.
"""

from grid.sweeps import LAMBDAS
from grid.sweeps.robustness import SWEEP as ROBUSTNESS

FUTURE_CODECS = {"bls-ssim": LAMBDAS, "bls-task": LAMBDAS, "mbt-mean": LAMBDAS}

SWEEP = {**ROBUSTNESS, "codecs": {**ROBUSTNESS["codecs"], **FUTURE_CODECS}}
