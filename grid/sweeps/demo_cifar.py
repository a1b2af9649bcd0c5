"""Demo part: CIFAR-shaped synthetic data through the robustness and reduction pipeline."""

SWEEP = {
    "datasets": ["synthetic"],
    "archs": ["vgg11-5"],
    "seeds": 1,  # one seed keeps the demo within 3 minutes on 2 cores (issue: first run)
    "codecs": {
        "jpeg": [10],
        "bls": [0.01, 0.1],
        "noise": [0.05],
        "blur": [3],
        # thesis §6.1 future codecs (grid/sweeps/future_codecs.py), one λ each
        "bls-ssim": [0.1],
        "bls-task": [0.1],
        "mbt-mean": [0.1],
    },
    "test_on_compressed": True,
    "cifar10c": True,
    "select": {
        "methods": ["bda", "bdad", "bdads"],
        "top_k": 2,
        "joined": ["bls"],
        "weighting": ["none", "psnr"],  # future work §6.3: a loss-weighted join beside it
    },
    "fourier": {"enabled": True, "images": 8},  # future work §6.2: Fourier heat maps
    "gate": {"images": 200},
    "data": {"train_limit": 1000, "test_limit": 200},
    "fit": {
        "epochs": 2,  # 2 x 50 steps: the demo's codecs only have to run, not to be good
        "max_steps_per_epoch": 50,
        "warmup_steps": 15,
        "batch_size": 8,
        "lr": 1e-3,
    },
    "train": {"epochs": 3},
}
