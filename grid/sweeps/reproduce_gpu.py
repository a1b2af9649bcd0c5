"""The reproduce_v2 study at thesis size, for one GPU (the twin of ``reproduce_v2``).

Same arms, claims and evidence rules as ``reproduce_v2`` (docs/ARCHITECTURE.md, "Evidence: how
a claim is decided"), at the thesis' sizes (§3.2, ch.4; docs/FACTS.md §1): VGG11 and ResNet18, the
thesis recipe (constant SGD lr 0.01, 30 epochs, batch 128), 3 seeds, all 50,000 training and
10,000 test images (5,000 select, 5,000 judged), the full CIFAR-10-C generated from all 10,000
test images (10 corruptions x 5 severities), every level of the thesis' grid (BLS λ
0.001-0.1, JPEG q1-q80, noise σ 0.01-1, blur 3x3-9x9, original), tests on the compressed test
split (C3 at coded rates), BDA/BDAD/BDADS, the joined top-2 BLS set and its steps-matched
controls (C5). Codecs fitted with the ``converge`` fit recipe (held-out plateau rule, capped
at 24,000 steps; lcc.specs.fit_recipe) on all 50,000 training images, gated against JPEG on
all 10,000 test images. Run it with the data root, e.g.

    python -m grid.launch sweep=reproduce_gpu data.cifar10=/path/to/cifar10

Plan (dry run, ``python -m grid.launch sweep=reproduce_gpu data.cifar10=<root> dry_run=true``):
405 jobs (without ``data.tinyimagenet``): 7 fit-codec, 1 gate-reference, 7 check-codec,
50 encode, 1 prepare-cifar10c, 168 train (2 archs x 3 seeds x 28 arms: 24 levels, the
original, the joined set and its two steps-matched controls), 168 evaluate, 2 select, 1
report.

Projected time on one GPU: ``benchmarks/gpu_train_projection.py --sweep reproduce_gpu`` (the
README quotes it). Not run here: this machine has no accelerator.

What it can decide (noise scaled from v1, see ``reproduce_v2``): with 3 seeds per arm on 5,000
judged images the MDE of one comparison is about 1.3 pp clean and 2 pp on the CIFAR-10-C mean
at VGG11's accuracy; the thesis' own run had the same 3 seeds but judged on the images it chose
on. More seeds (``seeds=6``) halve the seed term at twice the cost.
"""

from grid.sweeps import BLUR_KERNELS, JOINED_TOP_K, JPEG_CH4, LAMBDAS, NOISE_SIGMAS

SWEEP = {
    "datasets": ["cifar10"],
    "archs": ["vgg11", "resnet18"],
    "seeds": 3,
    "codecs": {"bls": LAMBDAS, "jpeg": JPEG_CH4, "noise": NOISE_SIGMAS, "blur": BLUR_KERNELS},
    "test_on_compressed": True,
    "cifar10c": True,
    "select": {"methods": ["bda", "bdad", "bdads"], "top_k": JOINED_TOP_K, "joined": ["bls"]},
    "data": {"train_limit": None, "test_limit": None},
    "gate": {"images": None},
    "fit": {"recipe": "converge"},
    "train": {"recipe": "thesis", "epochs": 30},
}
