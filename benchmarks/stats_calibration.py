"""Calibration of the paired seeds × images test (analysis.stats) against a percentile bootstrap.

Simulates paired arms with :func:`analysis.stats.simulate_paired_arms` in two noise scenarios
measured in this project's reproduction: ``clean``, correctness per image, one arm's run-to-run
SD of accuracy 0.8 pp on 2,000 images, mostly churn (which images a run gets right); and
``cifar10c``, each image's mean over 50 cells, run-to-run SD 1.1 pp, almost all of it a
run-level shift. For 2, 3 and 5 seeds per arm on ``--images`` test images it prints per method
the rate of "holds" with no true effect (the false-holds rate; the target is at most
α = 5 %), the rate of "does not hold" with no effect, and the rate of "holds" with a planted
2 pp effect (power), each over ``--runs`` simulated runs (Monte Carlo SE about 0.7 pp at a 5 %
rate over 1,000 runs). Beside them: the median MDE the method reports, and its mean standard
error over the true one (the SD of the estimate over the null runs: > 1 is conservative).

Methods:

- ``shipped``: :func:`analysis.stats.paired_difference` (s_seed²/k + s_image²/n, t quantiles at
  Welch–Satterthwaite degrees of freedom, or the seed term's k - 1 once it carries a quarter of
  the variance);
- ``bootstrap``: the naive two-way percentile bootstrap (seeds and images each resampled with
  replacement, ``--resamples`` times; holds when the 5th percentile of the resampled mean
  difference is above 0). To keep it fast, one set of resampling weights serves every simulated
  run of a cell: each run's bootstrap is still a valid bootstrap; the runs' verdicts are just
  not independent of one another's resamples;
- ``unbiased``: for reference, not shipped: the same test with the two-way ANOVA variance
  (s_seed²/k + s_image²/n − MS_residual/(k n), which removes the churn counted twice),
  Satterthwaite degrees of freedom over the three mean squares; undecided when that variance
  is not positive.

    .venv/bin/python benchmarks/stats_calibration.py [--runs 1000] [--images 2000]
        [--resamples 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.special import stdtrit

from analysis.stats import (
    ALPHA,
    FAILS,
    HOLDS,
    POWER,
    SIM_RUN_SD,
    UNDECIDED,
    paired_difference,
    simulate_paired_arms,
)

SEEDS = (2, 3, 5)
# Scenario -> (cells per image, run shift SD in logits) of simulate_paired_arms.
SCENARIOS = {"clean": (1, SIM_RUN_SD), "cifar10c": (50, 0.1)}
EFFECT = 0.02
BATCH = 100  # simulated runs generated at once (memory: about 25 MB per run at 5 x 2,000)


def shipped(d: np.ndarray) -> tuple[str, float, float]:
    """(verdict, se, mde) of analysis.stats.paired_difference."""
    c = paired_difference(d, "A - B")
    return c.verdict, c.se, c.mde


def unbiased(d: np.ndarray) -> tuple[str, float, float]:
    """(verdict, se, mde) with the two-way ANOVA variance of the mean (churn counted once)."""
    k, n = d.shape
    seed_means, image_means = d.mean(axis=1), d.mean(axis=0)
    residual = d - seed_means[:, None] - image_means[None, :] + d.mean()
    ms_residual = float((residual**2).sum()) / ((k - 1) * (n - 1))
    terms = [  # (coefficient x mean square, its degrees of freedom)
        (float(seed_means.var(ddof=1)) / k, k - 1),
        (float(image_means.var(ddof=1)) / n, n - 1),
        (-ms_residual / (k * n), (k - 1) * (n - 1)),
    ]
    variance = sum(v for v, _ in terms)
    if variance <= 0:
        return UNDECIDED, math.nan, math.nan
    df = variance**2 / sum(v * v / f for v, f in terms)
    se = math.sqrt(variance)
    t95, t80 = float(stdtrit(df, 1 - ALPHA)), float(stdtrit(df, POWER))
    estimate = float(d.mean())
    verdict = HOLDS if estimate - t95 * se > 0 else FAILS if estimate + t95 * se < 0 else UNDECIDED
    return verdict, se, (t95 + t80) * se


class PercentileBootstrap:
    """The naive two-way percentile bootstrap of the mean of a (k, n) difference."""

    def __init__(self, rng: np.random.Generator, k: int, n: int, resamples: int) -> None:
        self.seed_counts = rng.multinomial(k, np.full(k, 1 / k), size=resamples).astype(float)
        self.image_counts = rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(float)
        self.cells = k * n

    def __call__(self, d: np.ndarray) -> tuple[str, float, float]:
        per_seed = d @ self.image_counts.T  # (k, resamples)
        means = (self.seed_counts * per_seed.T).sum(axis=1) / self.cells
        low, high = np.quantile(means, [ALPHA, 1 - ALPHA])
        verdict = HOLDS if low > 0 else FAILS if high < 0 else UNDECIDED
        return verdict, float(means.std(ddof=1)), math.nan  # it defines no MDE


def run_to_run_sd(rng: np.random.Generator, cells: int, run_sd: float) -> float:
    """One arm's SD of accuracy between seeds on 2,000 images (pp), over 40 seeds x 20 runs."""
    scores, _ = simulate_paired_arms(rng, 20, 40, 2000, run_sd=run_sd, cells=cells)
    return 100 * math.sqrt(scores.mean(axis=2).var(axis=1, ddof=1).mean())


def run_cell(args, rng: np.random.Generator, scenario: str, k: int) -> None:
    """Print one line per method for ``k`` seeds in ``scenario``."""
    cells, run_sd = SCENARIOS[scenario]
    methods = {
        "shipped": shipped,
        "bootstrap": PercentileBootstrap(rng, k, args.images, args.resamples),
        "unbiased": unbiased,
    }
    tallies = {m: {"null": [], "effect": []} for m in methods}
    estimates = []
    for effect, key in ((0.0, "null"), (EFFECT, "effect")):
        for start in range(0, args.runs, BATCH):
            size = min(BATCH, args.runs - start)
            a, b = simulate_paired_arms(
                rng, size, k, args.images, effect, run_sd=run_sd, cells=cells
            )
            for d in a - b:
                if key == "null":
                    estimates.append(float(d.mean()))
                for name, method in methods.items():
                    tallies[name][key].append(method(d))
    true_se = float(np.std(estimates, ddof=1))
    for name, tally in tallies.items():
        null = [v for v, _, _ in tally["null"]]
        power = np.mean([v == HOLDS for v, _, _ in tally["effect"]])
        se = np.nanmean([s for _, s, _ in tally["null"]])
        mdes = np.array([m for _, _, m in tally["null"]])
        mde = float(np.median(mdes[~np.isnan(mdes)])) if (~np.isnan(mdes)).any() else math.nan
        mde_text = "-" if math.isnan(mde) else f"{100 * mde:.2f}"
        print(
            f"{scenario:>8s} {k:5d} {name:>10s} {100 * np.mean([v == HOLDS for v in null]):12.1f} "
            f"{100 * np.mean([v == FAILS for v in null]):12.1f} {100 * power:10.1f} "
            f"{mde_text:>8s} {se / true_se:9.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="simulated runs per cell")
    parser.add_argument("--images", type=int, default=2000, help="paired test images")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.runs} runs per cell, {args.images} images, planted effect {100 * EFFECT:.0f} pp")
    for scenario, (cells, run_sd) in SCENARIOS.items():
        print(
            f"{scenario}: one arm's run-to-run SD of accuracy on 2,000 images "
            f"{run_to_run_sd(rng, cells, run_sd):.2f} pp"
        )
    print(
        f"{'scenario':>8s} {'seeds':>5s} {'method':>10s} {'holds|0 (%)':>12s} {'fails|0 (%)':>12s} "
        f"{'power (%)':>10s} {'MDE (pp)':>8s} {'se/true':>9s}"
    )
    started = time.perf_counter()
    for scenario in SCENARIOS:
        for k in SEEDS:
            run_cell(args, rng, scenario, k)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
