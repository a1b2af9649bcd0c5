"""The thesis' experiment levels, declared once (thesis Tables 3.1, 3.2, 3.3, 4.1; docs/FACTS.md
§1).

Plain constants with no imports, so the sweeps (``grid.sweeps``) and the published numbers
(``analysis.thesis_numbers``) read them without loading torch. Levels are the suite's level
values: JPEG quality, λ, noise σ on the [0, 1] pixel scale, blur kernel size (3 for 3x3).
"""

# Ch.3 (Table 3.1): JPEG qualities and the learned codecs' λ.
JPEG_CH3 = (1, 5, 10, 20, 40, 60)
LAMBDAS = (0.001, 0.003, 0.005, 0.012, 0.033, 0.05, 0.1)
# Ch.4 (Table 4.1): the augmentation levels of the robustness study.
JPEG_CH4 = (*JPEG_CH3, 80)
NOISE_SIGMAS = (1.0, 0.8, 0.3, 0.1, 0.05, 0.01)
BLUR_KERNELS = (9, 7, 5, 3)
# §3.3 (Tables 3.2, 3.3): the reduced classifiers.
VGG_REDUCED = ("vgg11-1", "vgg11-2", "vgg11-3", "vgg11-4", "vgg11-5")
RES_REDUCED = ("res18-1", "res18-2", "res18-3", "res18-4")
# §4.3: the top-k BDA-ranked levels joined into one training set.
JOINED_TOP_K = 2
