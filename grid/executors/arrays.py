"""Slurm arrays planned from the DAG: which jobs share an ``sbatch``, and what each waits for.

A pure, torch-free function of the groups (:func:`plan_arrays`): no sbatch, no submitit, so
the launcher's dry run and ``benchmarks/critical_path.py`` see exactly the arrays that
grid/executors/slurm.py submits.

Splitting. Each (stage, round) group is split by the exact set of upstream arrays its jobs
read, so a job waits only for the arrays holding its own inputs; each split is cut at the
cluster's MaxArraySize. With ``pack.<stage>=N`` an array task runs up to N jobs of its split
one after another (grid/pack.py); jobs packed together share their dependencies.

Dependencies (:class:`Dependency`), per upstream array an array reads:

- ``aftercorr``: task *i* of this array waits for task *i* of the upstream array only
  (Slurm's ``--dependency=aftercorr:<id>``). Chosen where task *i* reads exactly upstream
  task *i* and nothing else of it, which is what one-to-one stages give (encode → train,
  train → evaluate, train → fourier) once laid out index by index: an unpacked split is cut
  into *layers* (the k-th reader of each upstream job: seeds of a training, evaluations of
  one training) sorted by the upstream task they read, and an unpacked upstream group is
  split by how its jobs are read (a training set's encodes apart from the test splits that
  every training reads). Slurm starts an ``aftercorr`` task only when its upstream task
  *succeeded*: after a failure its dependency can never be met, so such arrays are submitted
  with ``--kill-on-invalid-dep=yes`` (grid/executors/sbatch.py) and Slurm cancels the task
  (the next launch resubmits it), where ``afterany`` would start it to fail on its input.
- ``tasks``: ``afterany:<id>_4:<id>_7``, the upstream tasks actually read, at most
  :data:`MAX_TASK_IDS` of them; the whole array waits for them.
- ``array``: ``afterany:<id>``, the whole upstream array: where an array reads more than
  :data:`MAX_TASK_IDS` of its tasks (a selection, the report), or the upstream array has a
  single task (sbatch queues it as a plain job, which has no task ids).

Jobs still queued by an earlier launch (``pending_ids``: signature → ``123_4`` or ``123``)
are waited for the same way: their task ids, or their whole array past the bound.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from grid.job import Job
from grid.plan import Group

AFTERCORR = "aftercorr"  # task i waits for upstream task i
TASKS = "tasks"  # afterany on the listed upstream tasks
ARRAY = "array"  # afterany on the whole upstream array
# Task ids one array's dependency lists at most, over all its upstream arrays; past it the
# longest lists become whole arrays (:func:`_bounded`). A long list
# is parsed and re-evaluated by slurmctld for every pending task of the array, and the whole
# option must stay readable in ``squeue -o %E`` and in the dry run's scripts.
MAX_TASK_IDS = 64
# Layers one split is cut into at most (see the module docstring): past it, e.g. a sweep
# with 40 seeds, its jobs stay in one array with per-task lists.
MAX_LAYERS = 16


def chunks(items: Sequence, size: int) -> list[tuple]:
    """``items`` cut into consecutive pieces of at most ``size``."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


@dataclass(frozen=True)
class Dependency:
    """What an array waits for in one upstream array.

    ``array``: the upstream array's index in the same plan (int), or the scheduler id of an
    array an earlier launch queued (str). ``kind``: :data:`AFTERCORR`, :data:`TASKS` (then
    ``tasks`` holds the upstream task indices waited for) or :data:`ARRAY`.
    """

    kind: str
    array: int | str
    tasks: tuple[int, ...] = ()

    def describe(self, name: Callable[[int | str], str] = str) -> str:
        """``aftercorr <array 3>``, ``afterany 123_[0-2,4]``, ``afterany <array 1>``;
        ``name`` turns ``array`` into what to print."""
        if self.kind == AFTERCORR:
            return f"aftercorr {name(self.array)}"
        if self.kind == TASKS:
            return f"afterany {name(self.array)}_[{spans(self.tasks)}]"
        return f"afterany {name(self.array)}"


def spans(indices: Sequence[int]) -> str:
    """``0-2,4,7-8`` for the sorted task indices ``[0, 1, 2, 4, 7, 8]`` (Slurm's notation)."""
    runs: list[list[int]] = []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    return ",".join(f"{a}-{b}" if b > a else f"{a}" for a, b in runs)


@dataclass(frozen=True)
class ArrayPlan:
    """One ``sbatch`` call: array tasks of one stage, each running its jobs in order, after
    ``dependencies`` (at most one per upstream array)."""

    stage: str
    tasks: tuple[tuple[Job, ...], ...]
    dependencies: tuple[Dependency, ...] = ()
    ask: Hashable = None  # what every job of it asks for (grid/executors/asks.py), if given

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(job for task in self.tasks for job in task)

    @property
    def packed(self) -> bool:
        return any(len(task) > 1 for task in self.tasks)

    @property
    def after(self) -> tuple[int, ...]:
        """Indices (in the same plan) of the arrays this one waits on, in any way."""
        return tuple(sorted(d.array for d in self.dependencies if isinstance(d.array, int)))

    @property
    def dependency_kind(self) -> str:
        """``none``, one of the kinds, or ``mixed`` (e.g. aftercorr on the trainings and a
        task list on the shared test-split encode)."""
        kinds = {d.kind for d in self.dependencies}
        return "none" if not kinds else kinds.pop() if len(kinds) == 1 else "mixed"


def dependency_option(deps: Sequence[Dependency], ids: Sequence[str]) -> str | None:
    """The ``--dependency`` value of ``deps`` (None: none); ``ids[i]`` is the scheduler id
    of the plan's array ``i`` (or a placeholder such as ``<array 2>`` in a dry run). Slurm
    reads ``,`` as "and": ``afterany:7_0:7_3:9,aftercorr:8``."""
    after_any: list[str] = []
    after_corr: list[str] = []
    for dep in deps:
        name = dep.array if isinstance(dep.array, str) else ids[dep.array]
        if dep.kind == AFTERCORR:
            after_corr.append(name)
        elif dep.kind == TASKS:
            after_any.extend(f"{name}_{task}" for task in dep.tasks)
        else:
            after_any.append(name)
    parts = [f"afterany:{':'.join(after_any)}"] if after_any else []
    parts += [f"aftercorr:{':'.join(after_corr)}"] if after_corr else []
    return ",".join(parts) or None


Slot = tuple[int, int]  # (array index in the plan, task index in that array)


def plan_arrays(
    groups: Sequence[Group],
    pending_ids: Mapping[str, str],
    max_array_size: int,
    pack: Mapping[str, int],
    by_inputs: bool = True,
    per_task: bool = True,
    ask: Callable[[Job], Hashable] | None = None,
) -> list[ArrayPlan]:
    """The arrays to submit for ``groups``, upstream first (a pure function: no sbatch).

    ``pending_ids`` maps signatures of jobs still queued by an earlier launch to their
    scheduler id (``123_4``, or ``123`` for a plain job); inputs neither there nor in
    ``groups`` are done and add no dependency. ``pack`` gives jobs per array task by stage
    (missing: 1). ``per_task=False`` waits for whole upstream arrays (``afterany:<id>``)
    and lays nothing out index by index: the dependencies before issue 22, kept so
    ``benchmarks/critical_path.py`` can compare. ``by_inputs=False`` also keeps one array
    per (stage, round) and chunk: the grouping before issue 13 (``benchmarks/bench_grid.py``).
    """
    per_task = per_task and by_inputs
    readers = _readers(groups) if per_task else {}
    slot_of: dict[str, Slot] = {}
    sizes: list[int] = []  # tasks of each planned array
    out: list[ArrayPlan] = []
    for group in groups:
        size = pack.get(group.stage, 1)
        splits: dict[tuple, list[Job]] = {}
        for job in group.jobs:
            key = _upstream(job, slot_of, pending_ids) if by_inputs else ()
            if per_task and size == 1:
                key = (key, _read_as(job, readers))
            splits.setdefault((ask(job) if ask else None, key), []).append(job)
        for (asked, _), jobs in splits.items():
            layers = _layers(jobs, slot_of) if per_task and size == 1 else [jobs]
            for layer in layers:
                for piece in chunks(chunks(layer, size), max_array_size):
                    deps = _dependencies(piece, slot_of, sizes, pending_ids, per_task)
                    for t, task in enumerate(piece):
                        for job in task:
                            slot_of[job.signature] = (len(out), t)
                    sizes.append(len(piece))
                    out.append(ArrayPlan(group.stage, piece, deps, asked))
    return out


def _readers(groups: Sequence[Group]) -> dict[str, set[tuple[str, str]]]:
    """Signature -> the (reader's stage, input role) pairs under which ``groups`` read it."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for group in groups:
        for job in group.jobs:
            for role, sigs in job.inputs.items():
                for sig in sigs:
                    out[sig].add((job.stage, role))
    return out


def _read_as(job: Job, readers: Mapping[str, set[tuple[str, str]]]) -> tuple:
    return tuple(sorted(readers.get(job.signature, ())))


def _upstream(job: Job, slot_of: Mapping[str, Slot], pending_ids: Mapping[str, str]) -> tuple:
    """(plan indices, earlier array ids) of the arrays holding ``job``'s queued inputs."""
    planned = sorted({slot_of[s][0] for s in job.dependencies if s in slot_of})
    queued = sorted(
        {pending_ids[s].split("_")[0] for s in job.dependencies if s in pending_ids},
        key=_id_order,
    )
    return tuple(planned), tuple(queued)


def _layers(jobs: list[Job], slot_of: Mapping[str, Slot]) -> list[list[Job]]:
    """``jobs`` laid out index by index against the upstream tasks they read: each job's
    *primary* input is its planned input with the fewest readers among ``jobs`` (on a tie,
    the one in the latest array: the training an evaluation reads, not an encode); layer k
    holds the k-th reader of each primary, sorted by the primary's slot. Each layer of two
    jobs or more whose k-th job reads upstream task k (so ``aftercorr`` applies) is kept;
    the other jobs stay together, in their order, as the last list. ``[jobs]`` when no
    layer lines up."""
    count = Counter(s for job in jobs for s in job.dependencies if s in slot_of)
    if not count:
        return [jobs]
    primary = {}
    for job in jobs:
        planned = [s for s in job.dependencies if s in slot_of]
        primary[job.signature] = min(planned, key=lambda s: (count[s], -slot_of[s][0]))
    rank: Counter[str] = Counter()
    layers: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:
        layers[rank[primary[job.signature]]].append(job)
        rank[primary[job.signature]] += 1
    if len(layers) > MAX_LAYERS:
        return [jobs]
    ordered = [
        sorted(layer, key=lambda j: slot_of[primary[j.signature]]) for layer in layers.values()
    ]
    aligned = [
        layer
        for layer in ordered
        if len(layer) > 1
        and all(slot_of[primary[j.signature]][1] == i for i, j in enumerate(layer))
    ]
    if not aligned:
        return [jobs]
    kept = {j.signature for layer in aligned for j in layer}
    rest = [j for j in jobs if j.signature not in kept]
    return [*aligned, rest] if rest else aligned


def _dependencies(
    piece: Sequence[tuple[Job, ...]],
    slot_of: Mapping[str, Slot],
    sizes: Sequence[int],
    pending_ids: Mapping[str, str],
    per_task: bool,
) -> tuple[Dependency, ...]:
    """One :class:`Dependency` per upstream array that ``piece``'s tasks read."""
    read: dict[int, list[set[int]]] = defaultdict(lambda: [set() for _ in piece])
    earlier: dict[str, set[int] | None] = {}  # array id -> tasks read (None: a plain job)
    for t, task in enumerate(piece):
        for job in task:
            for sig in job.dependencies:
                if sig in slot_of:
                    array, upstream_task = slot_of[sig]
                    read[array][t].add(upstream_task)
                elif sig in pending_ids:
                    array_id, _, index = pending_ids[sig].partition("_")
                    tasks = earlier.setdefault(array_id, set())
                    if index.isdigit() and tasks is not None:
                        tasks.add(int(index))
                    else:
                        earlier[array_id] = None
    deps = []
    for array in sorted(read):
        per_task_read = read[array]
        tasks = sorted(set().union(*per_task_read))
        one_to_one = all(r == {t} for t, r in enumerate(per_task_read))
        if per_task and len(piece) > 1 and sizes[array] > 1 and one_to_one:
            deps.append(Dependency(AFTERCORR, array))
        elif not per_task or len(tasks) == sizes[array] or len(tasks) > MAX_TASK_IDS:
            deps.append(Dependency(ARRAY, array))  # every task, or too many to list
        else:
            deps.append(Dependency(TASKS, array, tuple(tasks)))
    for array_id in sorted(earlier, key=_id_order):
        tasks = earlier[array_id]
        if not per_task or tasks is None or len(tasks) > MAX_TASK_IDS:
            deps.append(Dependency(ARRAY, array_id))
        else:
            deps.append(Dependency(TASKS, array_id, tuple(sorted(tasks))))
    return _bounded(deps)


def _bounded(deps: list[Dependency]) -> tuple[Dependency, ...]:
    """``deps`` with the longest task lists widened to whole arrays until at most
    :data:`MAX_TASK_IDS` task ids are listed in all."""
    while sum(len(d.tasks) for d in deps) > MAX_TASK_IDS:
        longest = max(range(len(deps)), key=lambda i: len(deps[i].tasks))
        deps[longest] = Dependency(ARRAY, deps[longest].array)
    return tuple(deps)


def _id_order(slurm_id: str) -> tuple[int, str]:
    return (int(slurm_id), "") if slurm_id.isdigit() else (0, slurm_id)
