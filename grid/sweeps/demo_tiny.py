"""Demo part: the Tiny ImageNet code path (64x64, 200 classes, BMHJ) on synthetic-tiny."""

SWEEP = {
    "datasets": ["synthetic-tiny"],
    "archs": ["vgg11"],
    "seeds": 1,
    "codecs": {"jpeg": [10], "bmhj": [0.05]},
    "gate": {"images": 100},
    "data": {"train_limit": 150, "test_limit": 100},
    "fit": {
        "epochs": 2,
        "max_steps_per_epoch": 40,
        "warmup_steps": 10,
        "batch_size": 8,
        "lr": 1e-3,
    },
    "train": {"epochs": 1},
}
