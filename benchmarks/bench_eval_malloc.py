"""CPU cost of one evaluation pass with glibc's defaults and with lcc.malloc's thresholds.

Each side runs in its own fresh process (the thresholds are process-wide and cannot be
undone), alternating default / kept ``--repeats`` times: VGG11-4 (random weights, one torch
thread) predicts ``--images`` random 32x32 images at ``--batch`` images per forward pass, as
the evaluate stage does (lcc.evaluate.predict). Prints user and system CPU seconds and minor
page faults of each run, the medians, and the ratio of total CPU. CPU seconds, not wall time,
so a busy machine changes the figures less (it still adds cache misses).

    .venv/bin/python benchmarks/bench_eval_malloc.py [--images 5000] [--batch 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

ONE_PASS = """
import json, resource, sys
import numpy as np, torch
mode, n, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if mode == "kept":
    from lcc.malloc import keep_buffers_in_heap
    assert keep_buffers_in_heap()
torch.set_num_threads(1)
from lcc.evaluate.metrics import predict
from lcc.models.registry import build
torch.manual_seed(0)
model = build("vgg11-4", 10, 32)
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
labels = rng.integers(0, 10, n)
before = resource.getrusage(resource.RUSAGE_SELF)
predict(model, images, labels, batch_size=batch, device="cpu", normalization="cifar10",
        precision="fp32")
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"user": after.ru_utime - before.ru_utime, "sys": after.ru_stime - before.ru_stime,
                  "faults": after.ru_minflt - before.ru_minflt}))
"""


def one_pass(mode: str, images: int, batch: int) -> dict:
    args = [sys.executable, "-c", ONE_PASS, mode, str(images), str(batch)]
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"default": [], "kept": []}
    for _ in range(args.repeats):
        for mode in runs:  # alternating, so a change in the machine's load hits both sides
            runs[mode].append(one_pass(mode, args.images, args.batch))
    print(f"{args.images} images, batch {args.batch}, VGG11-4, 1 thread; CPU seconds per pass")
    print(
        f"{'side':<8} {'user':>6} {'sys':>6} {'total':>6} {'faults':>9} (medians, n={args.repeats})"
    )
    medians = {}
    for mode, rows in runs.items():
        med = {k: statistics.median(r[k] for r in rows) for k in ("user", "sys", "faults")}
        medians[mode] = statistics.median(r["user"] + r["sys"] for r in rows)
        print(
            f"{mode:<8} {med['user']:6.2f} {med['sys']:6.2f} {medians[mode]:6.2f} "
            f"{med['faults']:9.0f}"
        )
    print(f"default / kept total CPU: {medians['default'] / medians['kept']:.2f}x")


if __name__ == "__main__":
    main()
