"""Accuracy per CPU-minute: the v1 reproduction's classifier recipe against the ``fast`` preset.

Trains one small VGG11 variant on real CIFAR-10 (the first ``--train`` training images,
class-balanced as the grid's ``data.train_limit`` takes them) and tests it every epoch on the
first ``--test`` test images, with ``lcc.train.train`` itself (the train stage's code path):

- ``v1``: the thesis recipe as docs/reproduction ran it (constant SGD lr 0.01, momentum 0.9,
  weight decay 5e-4, batch 128, crop + flip), 8 epochs;
- ``fast``: the ``fast`` preset of :data:`lcc.specs.train_recipe.PRESETS` (cosine schedule with a
  5 % warm-up to lr 0.05, Nesterov, label smoothing 0.1), the same epochs, so the same wall
  time up to noise (the schedule and the smoothing cost nothing per step).

One seed, one torch thread, as one job of the sweep runs. Prints per run: the last epoch's
top-1 on all test images, the best epoch (chosen on the selection half, even indices) and its
judged-half top-1, and the run's CPU seconds (process time: on a shared machine wall time
depends on the other load) beside its wall seconds. A single seed cannot separate differences below
about 2 pp (run-to-run SD about 0.8 pp on 2,000 images); the gap measured here is far larger.

``--arms original,jpeg:5,blur:5`` trains each recipe on each training set (the training
images through that codec at that level; the test images stay clean) and prints both recipes'
rankings of the arms: the check that the proxy recipe keeps the thesis recipe's ranking.

    nice .venv/bin/python benchmarks/recipe_accuracy_per_minute.py --cifar10 <root> \\
        [--arch vgg11-4] [--epochs 8] [--recipes v1,fast] [--arms original,jpeg:5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from lcc.data.cifar10 import load_cifar10
from lcc.data.dataset import take_limit
from lcc.train import Recipe, train

RECIPES = {"v1": "thesis", "fast": "fast"}  # row name -> preset of lcc.specs.train_recipe.PRESETS


def encoded(images, arm: str):
    """The training images through codec ``name:level`` (``original``: unchanged)."""
    if arm == "original":
        return images
    from lcc.codecs import get

    name, level = arm.split(":")
    return get(name, float(level) if "." in level else int(level)).encode(images).reconstructions


def run(name: str, opts, train_set, test_set, arm: str = "original") -> float:
    recipe = Recipe.for_dataset("cifar10", opts.arch, RECIPES[name], epochs=opts.epochs)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = train(opts.arch, train_set, {"clean": test_set}, recipe, num_classes=10,
                   seed=opts.seed, progress="off")  # fmt: skip
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    last = result.history[-1].evals["clean"]
    best = result.history[result.best_epoch - 1].evals["clean"]
    curve = " ".join(f"{r.evals['clean']['top1'] * 100:.1f}" for r in result.history)
    print(
        f"{name:<5} {arm:<9} {opts.arch} {opts.epochs} epochs lr {recipe.lr} {recipe.schedule:<8} "
        f"| last top1 {last['top1'] * 100:5.2f} % | best epoch {result.best_epoch} "
        f"judged top1 {best['judge_top1'] * 100:5.2f} % | CPU {cpu:6.1f} s "
        f"({cpu / 60:4.2f} min), wall {seconds:6.1f} s | top1 per epoch: {curve}",
        flush=True,
    )
    return last["top1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cifar10", required=True, type=Path, help="CIFAR-10 root")
    parser.add_argument("--arch", default="vgg11-4")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--train", type=int, default=10_000)
    parser.add_argument("--test", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recipes", default="v1,fast")
    parser.add_argument("--arms", default="original", help="training sets, e.g. original,jpeg:5")
    opts = parser.parse_args()
    torch.set_num_threads(1)
    train_data = take_limit(load_cifar10("train", opts.cifar10), opts.train)
    test_data = take_limit(load_cifar10("test", opts.cifar10), opts.test)
    print(f"torch {torch.__version__}, 1 thread, {opts.train} train / {opts.test} test images, "
          f"seed {opts.seed}")  # fmt: skip
    test_set = (test_data.images, test_data.labels)
    arms = opts.arms.split(",")
    top1 = {}
    for arm in arms:
        train_set = (encoded(train_data.images, arm), train_data.labels)
        for name in opts.recipes.split(","):
            top1[name, arm] = run(name, opts, train_set, test_set, arm)
    if len(arms) > 1:
        for name in opts.recipes.split(","):
            ranked = sorted(arms, key=lambda a: -top1[name, a])
            print(f"ranking ({name}, last-epoch top1): {' > '.join(ranked)}")


if __name__ == "__main__":
    main()
