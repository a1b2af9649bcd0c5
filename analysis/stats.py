"""Paired comparisons of training sets ("arms") over seeds and test images, with a decision rule.

The claims table compares arms: training sets, each trained with the same ``k`` seeds and
evaluated on the same ``n`` test images (the judged half of the test set). One arm's scores are
a float array of shape ``(k, n)``: row ``j`` is seed ``j``, column ``i`` test image ``i``; a
cell is that network's correctness on that image (0 or 1), or for CIFAR-10-C the image's mean
correctness over its 50 (corruption, severity) cells, or any per-image score (PSNR in dB).
Arms are paired: row ``j`` is the same seed and column ``i`` the same image in every arm, so a
comparison works on the per-image difference ``d = A - B`` (or any linear contrast of arms,
:func:`contrast`), shape ``(k, n)``.

Two sources of variance
-----------------------
A difference between training sets has to survive two kinds of chance: training noise (another
seed gives another network; Jordan 2023, "Calibrated Chaos: Variance Between Runs of Neural
Network Training is Harmless and Inevitable", arXiv 2304.01910, measured it on CIFAR-10: runs
differ in which test images they get right far more than in their mean accuracy), and the
sampling of test images. The claims are about training sets, so seeds are the unit that must be
replicated: a McNemar-style test over images compares two networks, not two training sets, and
no number of test images measures training noise.

The method (:func:`paired_difference`)
--------------------------------------
For ``d`` of shape ``(k, n)``:

- estimate: the mean of ``d``;
- variance of the estimate: ``s_seed² / k + s_image² / n``, where ``s_seed²`` is the sample
  variance (ddof 1) of the ``k`` per-seed means of ``d`` (training noise, plus the churn of
  per-image outcomes between runs) and ``s_image²`` the sample variance (ddof 1) over images of
  the ``n`` per-image means over seeds (test-image sampling). This is the closed form of the
  paired two-way (seeds × images) bootstrap of a mean with unbiased variances. It is
  conservative: the seed × image churn (variance ``σ_e²``) enters both terms, so the expected
  variance exceeds the true one by ``σ_e² / (k n)``; where churn dominates (as Jordan found on
  CIFAR-10) the standard error is up to √2 too large (measured: 1.2-1.3× on the "clean"
  simulation below);
- degrees of freedom: Welch–Satterthwaite from the two terms (``k - 1`` and ``n - 1``), except
  when the seed term carries a quarter of the variance or more: then its own ``k - 1``
  (:func:`_degrees_of_freedom`; Satterthwaite overshoots when a term that matters has one to
  four degrees of freedom);
- one-sided 95 % bounds (:data:`ALPHA` = 0.05): ``estimate ∓ t(0.95, df) · se``; the claim
  ``estimate > margin`` **holds** when the lower bound clears the margin, **does not hold** when
  the upper bound is below it, and is **undecided** otherwise;
- minimum detectable effect (MDE; one-sided α = 0.05, power :data:`POWER` = 0.80):
  ``(t(0.95, df) + t(0.80, df)) · se``, the true excess over the margin that would be declared
  to hold four times in five.

With one seed per arm (``k < 2``) training noise cannot be measured: the comparison is never
decided (reason :data:`ONE_SEED`); its bounds, se and MDE come from the image term alone, and
the MDE is flagged as a floor (``mde_is_floor``).

Why not the percentile bootstrap, and why these degrees of freedom
------------------------------------------------------------------
A two-way percentile bootstrap (resample seeds and images with replacement, take the 5th
percentile of the resampled means) is the obvious alternative, and it is anti-conservative
with the 2-5 seeds a sweep can afford wherever training noise is a run-level shift: resampling
k seeds with replacement gives the seed term the variance ``(k - 1) / k · s_seed² / k`` (half
of it at k = 2), and its percentiles are normal quantiles where the seed term has ``k - 1``
degrees of freedom (the 95 % t quantile is 6.31 at one degree of freedom, 2.92 at two, against
1.64). Measured by ``benchmarks/stats_calibration.py`` on arms simulated by
:func:`simulate_paired_arms`, 2,000 paired images, 1,000 simulated runs per cell (Monte Carlo SE
0.7 pp at a 5 % rate); "holds" in % of runs, this method / the percentile bootstrap:

=====  ==================  ==================  ==================  ==================
seeds  clean, no effect    clean, 2 pp effect  C-10-C, no effect   C-10-C, 2 pp effect
=====  ==================  ==================  ==================  ==================
2      3.2 / 3.5           31.6 / 56.8         3.9 / 19.5          21.7 / 80.2
3      1.4 / 1.9           37.8 / 69.9         4.1 / 13.4          44.8 / 82.3
5      1.2 / 1.7           80.1 / 89.3         4.7 / 9.7           79.4 / 92.4
=====  ==================  ==================  ==================  ==================

"clean": correctness per image, one arm's run-to-run SD 0.8 pp on 2,000 images, mostly churn
(the reproduction's clean accuracy). There the bootstrap is not anti-conservative: resampling
images and seeds counts the churn more than once, which hides the lost seed variance. "C-10-C":
each image's mean over 50 cells, run-to-run SD about 1.05 pp, almost all a run-level shift (the
reproduction's CIFAR-10-C mean). There the bootstrap says "holds" with no effect in 10-20 % of
runs. Plain Welch–Satterthwaite degrees of freedom were not exact there either (8.3 % with 2
seeds, 6.6 % with 3: a seed variance that comes out small by chance also buys many degrees of
freedom); using the seed term's ``k - 1`` once it carries half the variance still gave 6.3 % at
2 seeds, a quarter keeps every cell at or below 5 %. The price is power with 2-3 seeds on clean
accuracy (31.6 % and 37.8 % for 2 pp, against 46 % and 65 % with plain Satterthwaite): seeds
are the lever, and the report says how many a claim would need. The unbiased (ANOVA) variance,
which counts the churn once, is no remedy: its false-"holds" rate on clean accuracy is 5.5-7 %
(benchmark, "unbiased").

Statistics without seeds
------------------------
:func:`bootstrap_comparison` handles a statistic of paired training or test images that no seed
varies (e.g. the ratio of a training set's high-frequency energy to the original's): a
percentile bootstrap over the ``n`` image indices, adequate there because the only source of
variance is image sampling and ``n`` is in the hundreds.

Claims over several comparisons
-------------------------------
"At all levels" and "against all rivals" claims are intersection–union tests (:func:`decide`):
the claim holds only when every comparison holds. Each comparison at level α gives the whole
claim level α, with no multiplicity correction (Berger 1982). The converse is not symmetric:
"does not hold" is declared when any one comparison's upper bound falls below its margin, so
when every true difference sits just above its margin the chance of a spurious "does not hold"
grows with the number of comparisons (up to m·α for m comparisons).

Units: estimates, bounds, se and MDE are in the unit of the scores (fractions of images for
accuracy, so 0.01 is 1 pp; dB for PSNR).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit, ndtri, stdtrit

HOLDS, FAILS, UNDECIDED, UNTESTABLE = "holds", "does not hold", "undecided", "not testable"
VERDICTS = (HOLDS, FAILS, UNDECIDED, UNTESTABLE)
ALPHA = 0.05  # one-sided
POWER = 0.80
ONE_SEED = "one seed per arm: training noise unmeasured"
ONE_IMAGE = "one test image: test-image sampling unmeasured"
# The decision rule of this module, as the report states it (analysis/catalogue.py TIES).
DECISION_RULE = (
    "Claims: each comparison's estimate is a mean difference over the seeds both arms have and "
    f"the judged images, with one-sided {(1 - ALPHA) * 100:.0f} % bounds from the seed-to-seed and "
    "image-to-image variance (`analysis/stats.py`); a claim holds when every comparison's lower "
    "bound clears zero, does not hold when one upper bound is below it, and is otherwise "
    f"undecided with its minimum detectable effect (MDE, {POWER * 100:.0f} % power). With one "
    "seed per arm nothing is decided."
)


@dataclass(frozen=True)
class Comparison:
    """One paired comparison and its one-sided test of ``estimate > margin``.

    ``estimate``, ``lower``, ``upper``, ``se``, ``mde`` and ``margin`` are in the unit of the
    scores (fractions for accuracy; dB for PSNR). ``lower`` and ``upper`` are one-sided 95 %
    bounds (together a two-sided 90 % interval). ``n_seeds`` is the number of seeds paired across
    the arms (0 when seeds do not apply), ``n_images`` the number of paired images. ``reason``
    says why the comparison cannot be decided ("" when it can); ``mde_is_floor`` is true when
    ``mde`` (and ``se``) leave out a variance that could not be measured, so the true MDE is
    larger.
    """

    name: str
    estimate: float
    lower: float
    upper: float
    se: float
    mde: float
    n_seeds: int
    n_images: int
    margin: float = 0.0
    reason: str = ""
    mde_is_floor: bool = False

    @property
    def decidable(self) -> bool:
        """Whether the data can decide the comparison at all (``reason`` is empty)."""
        return not self.reason

    @property
    def verdict(self) -> str:
        """:data:`HOLDS` when decidable and ``lower > margin``; :data:`FAILS` when decidable and
        ``upper < margin``; :data:`UNDECIDED` otherwise."""
        if not self.decidable:
            return UNDECIDED
        if self.lower > self.margin:
            return HOLDS
        if self.upper < self.margin:
            return FAILS
        return UNDECIDED


# --- input checks ---------------------------------------------------------------------------


def _scores(values, what: str) -> np.ndarray:
    """``values`` as a float (seeds, images) array; one-line ValueError when it is not one."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"{what} must have shape (seeds, images), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{what} has no seeds or no images: shape {array.shape}")
    if np.isnan(array).any():
        raise ValueError(f"{what} holds NaN scores ({int(np.isnan(array).sum())} of {array.size})")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds infinite scores")
    return array


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    return value


# --- the two-way variance -------------------------------------------------------------------


def _variance_terms(d: np.ndarray) -> tuple[list[tuple[float, int]], list[str]]:
    """The measurable variance terms of ``d.mean()`` as (variance, degrees of freedom), and the
    reasons for the terms that cannot be measured (one seed, one image)."""
    k, n = d.shape
    terms, reasons = [], []
    if k >= 2:
        terms.append((float(d.mean(axis=1).var(ddof=1)) / k, k - 1))
    else:
        reasons.append(ONE_SEED)
    if n >= 2:
        terms.append((float(d.mean(axis=0).var(ddof=1)) / n, n - 1))
    else:
        reasons.append(ONE_IMAGE)
    return terms, reasons


# The seed term's share of the variance from which its own k - 1 degrees of freedom are used
# instead of Welch–Satterthwaite's (see :func:`_degrees_of_freedom`).
SEED_SHARE_FOR_OWN_DF = 0.25


def _degrees_of_freedom(terms: Sequence[tuple[float, int]]) -> float:
    """Degrees of freedom of a sum of variance terms ``(variance, df)``, seed term first.

    Welch–Satterthwaite, except when the first term (training noise, ``k - 1`` degrees of
    freedom) carries at least :data:`SEED_SHARE_FOR_OWN_DF` of the variance: then its own
    ``k - 1``. Satterthwaite's approximation overshoots when a term that matters is estimated
    from one to four degrees of freedom (a seed variance that comes out small by chance also
    shrinks the t quantile): plain Satterthwaite gave 8 % false "holds" with 2 seeds on
    CIFAR-10-C-like noise, a cut at one half 6.3 % (module docstring). inf when the variance
    is 0.
    """
    total = sum(v for v, _ in terms)
    if terms and total > 0 and terms[0][0] >= SEED_SHARE_FOR_OWN_DF * total:
        return float(terms[0][1])
    denominator = sum(v * v / df for v, df in terms)
    return total * total / denominator if denominator > 0 else math.inf


def _t(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom (normal when inf)."""
    return float(ndtri(p)) if math.isinf(df) else float(stdtrit(df, p))


def _mde(se: float, df: float) -> float:
    return (_t(1 - ALPHA, df) + _t(POWER, df)) * se


# --- comparisons ----------------------------------------------------------------------------


def paired_difference(diff, name: str, margin: float = 0.0) -> Comparison:
    """Test ``mean(diff) > margin`` for per-image differences ``diff`` of shape (seeds, images).

    ``diff[j, i]`` is arm A's score minus arm B's (or any linear contrast of arms) for seed ``j``
    and image ``i``, in the unit of the scores. The method, its variance and its degrees of
    freedom are those of the module docstring. With one seed the comparison is undecided
    (reason :data:`ONE_SEED`; se, bounds and a floor MDE from the image term alone).
    """
    d = _scores(diff, "diff")
    margin = _finite(margin, "margin")
    k, n = d.shape
    terms, reasons = _variance_terms(d)
    estimate = float(d.mean())
    se = math.sqrt(sum(v for v, _ in terms))
    df = _degrees_of_freedom(terms)
    half = _t(1 - ALPHA, df) * se
    return Comparison(
        name=name,
        estimate=estimate,
        lower=estimate - half,
        upper=estimate + half,
        se=se,
        mde=_mde(se, df),
        n_seeds=k,
        n_images=n,
        margin=margin,
        reason="; ".join(reasons),
        mde_is_floor=bool(reasons),
    )


def contrast(
    arms: Sequence[np.ndarray], weights: Sequence[float], name: str, margin: float = 0.0
) -> Comparison:
    """Test ``mean(Σ_j weights[j] · arms[j]) > margin`` for paired arms of shape (seeds, images).

    E.g. ``contrast([bls, j1, j2], [1, -w, -(1 - w)], ...)`` compares BLS with JPEG interpolated
    between two qualities. Every arm has the same shape (the same seeds and images, in the same
    order). Equal to :func:`paired_difference` of the weighted sum.
    """
    if len(arms) == 0:
        raise ValueError("contrast needs at least one arm")
    if len(arms) != len(weights):
        raise ValueError(f"contrast has {len(arms)} arms but {len(weights)} weights")
    checked = [_scores(arm, f"arm {j}") for j, arm in enumerate(arms)]
    for j, arm in enumerate(checked[1:], start=1):
        if arm.shape != checked[0].shape:
            raise ValueError(
                f"arm {j} has shape {arm.shape} but arm 0 has {checked[0].shape}: "
                "paired arms need the same seeds and images"
            )
    w = [_finite(weight, f"weight {j}") for j, weight in enumerate(weights)]
    combined = sum(weight * arm for weight, arm in zip(w, checked, strict=True))
    return paired_difference(combined, name, margin)


def arm_interval(scores) -> tuple[float, float, float]:
    """One arm's mean and two-sided 95 % interval ``(mean, low, high)``, for error bars.

    ``scores`` has shape (seeds, images). The variance is that of :func:`paired_difference`
    applied to the arm itself (seed term plus image term, the degrees of freedom of
    :func:`_degrees_of_freedom`, t quantile 0.975). With one seed the interval has the image
    term only, so it is too narrow by the training noise it cannot see: a figure showing it
    should say so.
    """
    a = _scores(scores, "scores")
    terms, _ = _variance_terms(a)
    mean = float(a.mean())
    half = _t(0.975, _degrees_of_freedom(terms)) * math.sqrt(sum(v for v, _ in terms))
    return mean, mean - half, mean + half


def bootstrap_comparison(
    statistic: Callable[[np.ndarray], float],
    n: int,
    name: str,
    margin: float = 0.0,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Test ``statistic > margin`` for a statistic of ``n`` paired images without seeds.

    ``statistic(index)`` takes an int array of shape (n,) of image indices in ``range(n)`` (a
    resample with replacement; ``np.arange(n)`` for the estimate itself) and returns a float,
    computing every arm's part from the same indices so the arms stay paired (e.g. the ratio of
    a training set's high-frequency energy to the original's over the same images). Bounds are
    the ``ALPHA`` and ``1 - ALPHA`` percentiles of ``resamples`` bootstrap values (one-sided
    95 %); se is their SD (ddof 1) and the MDE ``(z(0.95) + z(0.80)) · se``. ``n_seeds`` is 0.
    Deterministic for a given ``seed``.
    """
    if n < 1:
        raise ValueError(f"bootstrap_comparison needs at least one image, got n={n}")
    if resamples < 2:
        raise ValueError(f"bootstrap_comparison needs at least 2 resamples, got {resamples}")
    margin = _finite(margin, "margin")
    estimate = _finite(statistic(np.arange(n)), "the statistic on all images")
    rng = np.random.default_rng(seed)
    values = np.fromiter(
        (statistic(rng.integers(0, n, size=n)) for _ in range(resamples)), float, resamples
    )
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(f"the statistic is not finite on {bad} of {resamples} resamples")
    se = float(values.std(ddof=1))
    return Comparison(
        name=name,
        estimate=estimate,
        lower=float(np.quantile(values, ALPHA)),
        upper=float(np.quantile(values, 1 - ALPHA)),
        se=se,
        mde=_mde(se, math.inf),
        n_seeds=0,
        n_images=n,
        margin=margin,
    )


# --- claims over several comparisons --------------------------------------------------------


def decide(comparisons: Sequence[Comparison]) -> str:
    """The verdict of a claim that every comparison holds (intersection–union test).

    No comparisons: :data:`UNTESTABLE`; any :data:`FAILS`: :data:`FAILS`; all :data:`HOLDS`:
    :data:`HOLDS`; otherwise :data:`UNDECIDED`. "Holds" keeps level α overall with no
    multiplicity correction; a spurious "does not hold" can reach m·α (module docstring).
    """
    verdicts = [c.verdict for c in comparisons]
    if not verdicts:
        return UNTESTABLE
    if FAILS in verdicts:
        return FAILS
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return UNDECIDED


def claim_mde(comparisons: Sequence[Comparison]) -> float:
    """The largest MDE among ``comparisons`` (NaN when there are none).

    Every comparison has to pass, so this is a floor on the claim's MDE: with a true effect of
    this size on every comparison, each passes four times in five and all of them together less
    often.
    """
    return max((c.mde for c in comparisons), default=math.nan)


def seeds_needed(
    s_seed: float,
    delta: float,
    n_images: int | None = None,
    s_image: float | None = None,
) -> int:
    """Seeds per arm for the MDE of :func:`paired_difference` to reach ``delta``.

    ``s_seed`` is the SD of the per-seed means of the difference between arms (the ``s_seed``
    of the module docstring; about √2 × one arm's run-to-run SD of accuracy when the arms'
    runs are independent) on the planned number of images: as far as it is churn it shrinks as
    1/√images, so one measured on fewer images overstates it. ``delta`` is the effect beyond the
    margin to detect with power :data:`POWER` at one-sided level :data:`ALPHA`, both in the unit
    of the scores. Optionally ``n_images`` and ``s_image`` (SD over images of the per-image mean
    difference over seeds) add the image term, held fixed as seeds are added (conservative: its
    churn share shrinks as 1/seeds).

    Unlike the normal approximation ``k = (z(0.95) + z(0.80))² s_seed² / delta²``, this uses the
    t quantiles at the degrees of freedom the comparisons use (:func:`_degrees_of_freedom`):
    with few seeds the normal approximation promises power the test does not have. At least 2
    (one seed is never decided). ValueError when no number of seeds reaches ``delta`` on
    ``n_images``.
    """
    s_seed = _finite(s_seed, "s_seed")
    delta = _finite(delta, "delta")
    if s_seed < 0 or delta <= 0:
        raise ValueError(f"seeds_needed needs s_seed >= 0 and delta > 0, got {s_seed}, {delta}")
    if (n_images is None) != (s_image is None):
        raise ValueError("seeds_needed needs both n_images and s_image, or neither")
    image_variance = 0.0
    if n_images is not None:
        if n_images < 2:
            raise ValueError(f"seeds_needed needs n_images >= 2, got {n_images}")
        image_variance = _finite(s_image, "s_image") ** 2 / n_images
        if _mde(math.sqrt(image_variance), n_images - 1) >= delta:
            raise ValueError(
                f"the image term alone has an MDE >= {delta} on {n_images} images: "
                "more images needed"
            )

    def mde(k: int) -> float:
        terms = [(s_seed**2 / k, k - 1)]
        if image_variance:
            terms.append((image_variance, n_images - 1))
        return _mde(math.sqrt(sum(v for v, _ in terms)), _degrees_of_freedom(terms))

    low, high = 1, 2  # mde(low) > delta (k = 1 never decides); find high with mde(high) <= delta
    while mde(high) > delta:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if mde(middle) <= delta else (middle, high)
    return high


# --- the noise model the method is calibrated on --------------------------------------------

# Per-image probability of a correct answer ~ Beta(a, b): mean 2/3, most images almost always
# right or almost always wrong, as for a network of 60-70 % accuracy.
SIM_DIFFICULTY = (0.6, 0.3)
# SD (logits) of a run's shift shared by all its images: seed-level training noise.
SIM_RUN_SD = 0.035
# SD (logits) of each image's shift in each arm: training sets differ image by image.
SIM_ARM_IMAGE_SD = 0.5


def simulate_paired_arms(
    rng: np.random.Generator,
    runs: int,
    seeds: int,
    images: int,
    effect: float = 0.0,
    run_sd: float = SIM_RUN_SD,
    arm_image_sd: float = SIM_ARM_IMAGE_SD,
    cells: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Two paired arms' scores, each of shape (runs, seeds, images), values in [0, 1].

    Each simulated run draws fresh test images: image ``i`` has a latent logit
    ``θ_i = logit(p_i)``, ``p_i ~ Beta(*SIM_DIFFICULTY)``; in arm X, seed ``j`` answers it
    correctly with probability ``expit(θ_i + v_Xi + u_Xj)``, ``v_Xi ~ N(0, arm_image_sd)`` (the
    arm's effect on that image) and ``u_Xj ~ N(0, run_sd)`` (that seed's run-level shift). The
    score is the mean of ``cells`` independent Bernoulli draws at that probability: the churn
    between runs (``cells = 1``: correctness, 0 or 1; ``cells = 50``: a stand-in for an image's
    mean over the CIFAR-10-C cells). Arm A then gets a planted ``effect`` (a fraction, 0.02 =
    2 pp): each probability ``p`` becomes ``p + f (1 - p)`` (a share ``f`` of its errors fixed),
    with ``f`` chosen so that arm A's mean probability over the run rises by exactly ``effect``.
    With ``effect = 0`` the arms are exchangeable: no true difference.

    At the defaults one arm's run-to-run SD of accuracy on 2,000 images is 0.8 pp (0.72 pp of it
    churn, the rest run shift), as measured in this project's reproduction (0.7-0.9 pp clean).
    With ``cells = 50`` and ``run_sd = 0.1`` it is about 1.05 pp, almost all run shift (churn
    0.1 pp), like the reproduction's CIFAR-10-C mean (1.1 pp).
    """
    a, b = SIM_DIFFICULTY
    theta = logit(np.clip(rng.beta(a, b, size=(runs, 1, images)), 1e-6, 1 - 1e-6))

    def arm() -> np.ndarray:
        v = rng.normal(0.0, arm_image_sd, size=(runs, 1, images))
        u = rng.normal(0.0, run_sd, size=(runs, seeds, 1))
        return expit(theta + v + u)

    p_a, p_b = arm(), arm()
    if effect:
        mean_a = p_a.mean(axis=(1, 2), keepdims=True)
        p_a += effect / (1 - mean_a) * (1 - p_a)
    if cells == 1:
        draw = rng.random((2, runs, seeds, images))
        return (draw[0] < p_a).astype(float), (draw[1] < p_b).astype(float)
    return rng.binomial(cells, p_a) / cells, rng.binomial(cells, p_b) / cells
