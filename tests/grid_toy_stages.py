"""Test-only stand-ins for the real stages: fast, deterministic, and with per-epoch
checkpoints, so the engine's tests exercise scheduling, resume and failure handling without
training anything.

Environment switches (read in the job's process): ``TOY_SLOW_LABEL`` / ``TOY_EPOCH_SECONDS``
slow the epochs of matching train jobs, which also wait before their first epoch while the
file ``TOY_HOLD_FILE`` exists (a test releases them by deleting it); ``TOY_KILL_LABEL``: a
matching train job kills its own process with SIGKILL (a hard crash: no exception, no
marker); ``TOY_LEAK_LABEL``: a
matching quick job leaves changed process state behind (torch threads, default dtype, cwd,
an environment variable, the global RNG), which the next job in the process must not see.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import torch

import grid
from grid import launch
from grid.context import JobContext
from grid.runner import import_plugins
from grid.stages import registry
from grid.stages.registry import STAGE_ORDER, Stage
from grid.sweeps.future_codecs import FUTURE_CODECS

RUNS: Counter = Counter()  # signature -> times the stage function started

# The future-work codecs of demo_cifar off (bls-task's fit would add a later round).
NO_FUTURE_CODECS = [f"codecs.{name}=[]" for name in FUTURE_CODECS]
# demo_cifar cut to JPEG q10 alone, one seed, no joined set.
JPEG_ONLY = [
    "seeds=1",
    "codecs.jpeg=[10]",
    "codecs.bls=[]",
    "codecs.noise=[]",
    "codecs.blur=[]",
    *NO_FUTURE_CODECS,
    "select.joined=[]",
]
# demo_cifar cut to JPEG q10 and BLS λ 0.1, one seed: the engine tests' usual small grid.
SMALL_DEMO = [
    "seeds=1",
    "codecs.jpeg=[10]",
    "codecs.bls=[0.1]",
    "select.top_k=1",
    "codecs.noise=[]",
    "codecs.blur=[]",
    *NO_FUTURE_CODECS,
]
# The small demo on the fake executor: what the launcher tests run in-process.
FAKE_SMALL = ["sweep=demo_cifar", "executor=fake", *SMALL_DEMO]
_lock = threading.Lock()


def fake_launch(root: Path, *extra: str):
    """Launch :data:`FAKE_SMALL` (plus ``extra``) into results root ``root``; its outcome."""
    return launch.launch([*FAKE_SMALL, f"results={root}", *extra])


def fake_plan(*extra: str) -> grid.Plan:
    """The plan :func:`fake_launch` with ``extra`` runs."""
    overrides = [a for a in [*FAKE_SMALL, *extra] if not a.startswith("sweep=")]
    return grid.plan("demo_cifar", overrides)


def _count(ctx: JobContext) -> None:
    with _lock:
        RUNS[ctx.job.signature] += 1


class ToyFailure(RuntimeError):
    """Raised by a toy stage whose label contains ``$TOY_FAIL_LABEL``."""


def _maybe_fail(ctx: JobContext) -> None:
    """Fail when the job's label contains ``$TOY_FAIL_LABEL``; with ``TOY_FAIL_ONCE=1`` only
    its first attempt fails (a flag file in its folder remembers it), as a transient error."""
    label = os.environ.get("TOY_FAIL_LABEL")
    if not label or label not in ctx.job.label:
        return
    flag = ctx.workdir / "failed_once.flag"
    if os.environ.get("TOY_FAIL_ONCE") and flag.exists():
        return
    flag.touch()
    raise ToyFailure(f"toy failure in {ctx.job.label}")


def _matches(variable: str, ctx: JobContext) -> bool:
    label = os.environ.get(variable)
    return bool(label) and label in ctx.job.label


def quick(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """Writes its label and the process state it found (``state.json``)."""
    _count(ctx)
    _maybe_fail(ctx)
    slow = os.environ.get("TOY_SLOW_QUICK_LABEL")
    if slow and slow in ctx.job.label:
        time.sleep(float(os.environ.get("TOY_SLOW_QUICK_SECONDS", 60)))
    (ctx.workdir / "artifact.txt").write_text(ctx.job.label)
    found = {
        "threads": torch.get_num_threads(),
        "dtype": str(torch.get_default_dtype()),
        "cwd": os.getcwd(),
        "leaked_env": os.environ.get("TOY_LEAKED"),
        "grad": torch.is_grad_enabled(),
        "torch_draw": float(torch.rand(1)),
        "random_draw": random.random(),
    }
    (ctx.workdir / "state.json").write_text(json.dumps(found))
    if _matches("TOY_LEAK_LABEL", ctx):
        torch.set_num_threads(found["threads"] + 2)
        torch.set_default_dtype(torch.float64)
        torch.set_grad_enabled(False)
        os.environ["TOY_LEAKED"] = "1"
        os.chdir(ctx.workdir)
    return {}


def train_curve_row(cfg: dict, epoch: int, value: float) -> dict:
    tset = cfg["train_set"]
    return {
        "arch": cfg["arch"],
        "dataset": cfg["dataset"]["name"],
        "train_set": tset["label"],
        "codec": tset["codec"],
        "level": tset["level"],
        "joined": tset["joined"],
        "control_for": tset.get("control_for"),
        "seed": cfg["seed"],
        "epoch": epoch,
        "train_loss": value,
        "train_top1": 0.5,
        "eval_set": "clean",
        "loss": value,
        "top1": 0.5,
        "top5": 0.9,
        "select_top1": 0.5,
        "select_top5": 0.9,
        "judge_top1": 0.5,
        "judge_top5": 0.9,
        "lr": 0.01,
        "seconds": 0.0,
        "images_per_s": 0.0,
    }


def train(ctx: JobContext) -> dict[str, pd.DataFrame]:
    """A random walk seeded by the job, checkpointed (value + RNG state) every epoch."""
    _count(ctx)
    cfg = ctx.config
    with open(ctx.workdir / "attempts.txt", "a") as attempts:
        attempts.write(f"{os.getpid()}\n")
    if _matches("TOY_KILL_LABEL", ctx):
        os.kill(os.getpid(), signal.SIGKILL)
    slow = os.environ.get("TOY_SLOW_LABEL")
    slow_here = bool(slow) and slow in ctx.job.label
    epoch_seconds = float(os.environ.get("TOY_EPOCH_SECONDS", 0)) if slow_here else 0
    ckpt = ctx.workdir / "checkpoint.pt"
    generator = torch.Generator().manual_seed(cfg["seed"])
    state = {"epoch": 0, "value": torch.zeros(4), "rows": []}
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        generator.set_state(state["rng"])
    hold = os.environ.get("TOY_HOLD_FILE")
    deadline = time.monotonic() + 300
    while slow_here and hold and os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.2)
    for epoch in range(state["epoch"] + 1, cfg["recipe"]["epochs"] + 1):
        time.sleep(epoch_seconds)
        state["value"] = state["value"] + torch.randn(4, generator=generator)
        state["rows"].append(train_curve_row(cfg, epoch, float(state["value"].sum())))
        state.update(epoch=epoch, rng=generator.get_state())
        torch.save(state, ckpt)
        ctx.epoch_done(epoch)
    return {"train_curve": pd.DataFrame(state["rows"])}


def install(monkeypatch, *modules) -> None:
    """Swap the registered stages (and the ``STAGES`` of each of ``modules`` that holds its own
    reference; the launcher reads the registry's) for the toy ones, after the default plugins
    registered select and report, and clear :data:`RUNS`."""
    import_plugins([])
    monkeypatch.setattr(registry, "STAGES", toy_stages())
    for module in modules:
        if hasattr(module, "STAGES"):
            monkeypatch.setattr(module, "STAGES", registry.STAGES)
    RUNS.clear()


STARTED = "started.txt"  # tests/grid_failure_plugin.py: one line per training run


def started_epochs(folder) -> list[tuple[int, int]]:
    """(restart count, epoch resumed from) of each run of a training under
    tests/grid_failure_plugin.py, oldest first."""
    path = folder / STARTED
    lines = path.read_text().splitlines() if path.exists() else []
    return [(int(a), int(b)) for a, b in (line.split() for line in lines)]


def toy_stages() -> dict[str, Stage]:
    stages = {name: Stage(name, quick, (), "cpu") for name in STAGE_ORDER}
    stages["train"] = Stage("train", train, ("train_curve",), "cpu")
    return stages
