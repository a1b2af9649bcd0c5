"""Demo part: the Tiny ImageNet code path (64x64, 200 classes, BMHJ) on synthetic-tiny."""

SWEEP = {
    "datasets": ["synthetic-tiny"],
    "archs": ["vgg11"],
    "seeds": 1,
    "codecs": {"jpeg": [10], "bmhj": [0.05]},
    "gate": {"images": 200},
    "data": {"train_limit": 300, "test_limit": 200},
    "fit": {"epochs": 8, "batch_size": 8, "lr": 1e-3},
    "train": {"epochs": 1},
}
