"""Per-image distortion metrics between uint8 RGB images: MSE, PSNR, SSIM (and a
differentiable torch SSIM for training codecs on it)."""

from lcc.metrics.distortion import mse, psnr
from lcc.metrics.ssim import ssim, ssim_torch

__all__ = ["mse", "psnr", "ssim", "ssim_torch"]
