"""Reproduction v2 on real CIFAR-10, 2 CPU cores: sized to decide claims (planned for 150 minutes).

v1 (``reproduce``, docs/reproduction) trained one seed and tested on 2,000 images: it decided
C2 and little else. This sweep spends its budget where the evidence rules of
docs/ARCHITECTURE.md ("Evidence: how a claim is decided") need it: seeds (training noise is
the lever), all 10,000 test images (5,000 choose, 5,000 judge), and one architecture.

What runs
---------
- Codecs: all seven BLS λ, fitted with the ``converge`` fit recipe (held-out plateau rule;
  its cap lowered here to 14,000 steps, see "Size and time") on the first 10,000 training
  images; gated against JPEG on all 10,000 test images.
- Classifier: VGG11-4 (Table 3.2, 113,610 parameters; v1's better small variant), the
  ``fast`` training preset (lcc.specs.train_recipe.PRESETS: cosine schedule with 5 % warm-up to lr
  0.05, Nesterov, label smoothing 0.1; **not the thesis recipe**, a proxy that the report must
  label as such), 8 epochs on the first 10,000 training images. Against v1's recipe at the same
  8 epochs and the same CPU time (benchmarks/recipe_accuracy_per_minute.txt, one seed, 2,000
  test images): 64.2 % against 56.5 % top-1; the fast recipe passes v1's final accuracy by its
  6th epoch. On three arms (original, JPEG q10, blur 5x5) both recipes rank clean accuracy
  alike, but the gaps differ (original - blur 3.4 pp under v1, 12.5 pp under fast): effect
  sizes depend on the recipe, so the report compares them with the thesis' only as a proxy.
- Arms (20 + 3): original; BLS λ 0.001-0.1 (7); JPEG q1-q80 (7, bracketing every BLS coded
  rate for C3); Gaussian noise σ 0.3, 0.1, 0.05 and blur 3x3, 5x5 (the thesis' σ 1.0, 0.8
  and blur 7x7, 9x9 leave little of a 32x32 image, σ 0.01 is the original within JPEG's
  noise; dropped a priori, not from v1's results); the joined top-2 BDA BLS set and its two
  steps-matched controls (each part for 2 x 8 epochs, C5).
- Tests: clean on all 10,000 test images; CIFAR-10-C generated from all 10,000, the ten
  corruptions at severities 1, 3 and 5 (30 of the 50 cells: the C-10-C score is the mean over
  these 30; the grid generates CIFAR-10-C from the test split it tests on, so cells rather
  than images are what can be subsampled). The test split compressed at each of the 19
  levels (``test_on_compressed``): C1 compares BLS with JPEG image by image there, and every
  model is also tested on the test split compressed like its training set (Fig 3.6's data).
- Seeds: 3 on every arm.

Why 3 seeds everywhere, not "2 everywhere and 6 on the claim arms"
------------------------------------------------------------------
``seeds`` is one setting for every arm of a sweep, and the claim arms are not known before
the run: C4 compares the BDA-selected level of each family and C5 the joined set of the two
selected BLS levels, chosen on the selection half at run time. Giving those arms more seeds
needs either levels fixed in advance (which gives up the held-out selection) or a second
launch after the first. The second launch is possible as a follow-up: ``seeds=6`` on the same
command adds seeds 3-5 to every arm and reuses every job of seeds 0-2 (same signatures); only
the select stage, the joined set and its controls are redone. It costs about as much again
(about 150 more core-minutes), so it is not part of this sweep's 150 minutes.

Design and the MDE each claim gets
----------------------------------
MDE: the true difference that a single comparison declares "holds" four times in five
(one-sided α = 0.05, :mod:`analysis.stats`), here the median over 40 runs simulated with
:func:`analysis.stats.simulate_paired_arms` at the noise v1 measured (one arm's run-to-run SD
0.8 pp clean and 1.1 pp on the CIFAR-10-C mean, at 2,000 images), on 5,000 judged images.
Clean accuracy's noise is mostly per-image churn, which more images average out; the
CIFAR-10-C mean's is a run-level shift, which only seeds do (30 instead of 50 cells changes
its MDE by less than the simulation's noise). The noise was measured at v1's recipe and
accuracy (47-59 %); this run's will differ, and the report's MDE column is measured.

=====  ============================================  =====  ======  =====================
claim  arms compared                                 seeds  judged  expected MDE (1 comp.)
=====  ============================================  =====  ======  =====================
C1     each BLS λ vs JPEG at its coded rate (PSNR)   --     10,000  ~0.1 dB (no seeds; SE
                                                                    0.03 dB per image SD 3)
C2     JPEG rate per quality vs Table 3.1            --     10,000  a measurement
C3     each BLS λ vs JPEG interpolated at its        3      5,000   2.2 pp clean (<= this:
       coded rate, "at all levels" (6-7 tests)                      the interpolation
                                                                    averages two arms)
C4     BLS's BDA level vs original, JPEG, noise,     3      5,000   2.7 pp C-10-C mean
       blur (4 tests, C-10-C mean)
C5     joined top-2 vs each steps-matched part,      3      5,000   2.2 pp clean,
       clean and corrupt (4 tests)                                  2.7 pp C-10-C
C6     preserved share of the original's spectrum    --     images  bootstrap over images
       vs original, JPEG, noise, blur
=====  ============================================  =====  ======  =====================

For comparison, the same simulation gives per comparison (clean / C-10-C, pp): 2 seeds
4.5 / 5.4, 4 seeds 1.8 / 2.3, 6 seeds 1.2 / 1.6, 8 seeds 1.1 / 1.4. So C1, C2 and C6 are
decided by this run's size; C3, C4 and C5 are decided where their true differences exceed
about 2-3 pp (v1's C5 gap, confounded by steps, was 6 pp; its C3 and C4 gaps, 0.6-3 pp, may
stay undecided at 3 seeds: the report then prints what size would decide them).

Size and time
-------------
Dry run (``python -m grid.launch sweep=reproduce_v2 data.cifar10=<root> dry_run=true``,
without ``data.tinyimagenet``; tests/test_sweeps_v2.py keeps these counts): 196 jobs: 7
fit-codec, 1 gate-reference, 7 check-codec, 40 encode (the training and the test images at
each of the 19 levels, and the original training and test splits), 1 prepare-cifar10c, 69
train (23 arms x 3 seeds), 69 evaluate, 1 select, 1 report. With ``data.tinyimagenet`` (the
gate's second reference set, Tiny ImageNet downsampled 2x: docs/CODEC_FIT.md) one more
gate-reference job: 197.

Projected wall time on 2 cores (two jobs at a time, one torch thread each), from v1's
measured cost (docs/reproduction: 71 min; codec fits 45 core-min; its 56 trainings and
evaluations 80 core-min, i.e. about 1,400 training images/s and 5,700 evaluated images/s per
core, start-up included) scaled by images x epochs x seeds
(``benchmarks/gpu_train_projection.py --sweep reproduce_v2 --rates vgg11-4=1400/5700``):
training 6.2 M images (74 core-min), evaluation 27.4 M images (80 core-min: per-epoch clean
tests and 69 evaluate jobs of 10,000 clean + 300,000 CIFAR-10-C images), encodes, gates and
CIFAR-10-C generation about 20 core-min, the 19 compressed test splits and their
evaluations about 12 core-min, codec fits about 75 core-min if the plateau rule stops them at
about 10,000 steps on average (v1: 4,736 steps, 5 min per λ; the cap here is ``fit.epochs``
35 x 400 = 14,000 steps, 15 min per λ): about 260 core-min, **about 130 minutes** on 2 cores;
about 145 minutes if every fit ran to its cap. **Measured** (docs/reproduction_v2): 386
core-minutes, at least 193 minutes on 2 cores (342 and 171 with lcc/malloc.py from the start):
evaluations spent half their CPU in the kernel until that fix, and v2's trainings and
evaluations ran slower per image than v1's rates used here. The cap is lower than the ``converge``
preset's 24,000 steps so that the worst case still fits 150 minutes; the report shows each
fit's convergence curve and whether it stopped on the plateau rule or the cap.

Run it from a separate clone of main, with nothing else on the machine:

    python -m grid.launch sweep=reproduce_v2 data.cifar10=/path/to/cifar10-jpeg75 \\
        data.tinyimagenet=/path/to/tiny-imagenet-200 executor=local max_parallel=2
"""

from grid.sweeps import JPEG_CH4, LAMBDAS

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11-4"],
    "seeds": 3,
    "codecs": {"bls": LAMBDAS, "jpeg": JPEG_CH4, "noise": [0.3, 0.1, 0.05], "blur": [5, 3]},
    "test_on_compressed": True,  # C1 compares BLS and JPEG image by image on the test split
    "cifar10c": True,
    "severities": [1, 3, 5],
    "select": {"methods": ["bda", "bdad", "bdads"], "top_k": 2, "joined": ["bls"]},
    "data": {"train_limit": 10000, "test_limit": None},
    "gate": {"images": None},
    "fit": {"recipe": "converge", "epochs": 35},  # cap 35 x 400 = 14,000 steps (see above)
    "train": {"recipe": "fast", "epochs": 8},
}
