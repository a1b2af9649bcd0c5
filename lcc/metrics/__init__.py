"""Per-image distortion metrics between uint8 RGB images: MSE, PSNR, SSIM."""

from lcc.metrics.distortion import mse, psnr
from lcc.metrics.ssim import ssim

__all__ = ["mse", "psnr", "ssim"]
