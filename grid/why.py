"""Why a launch runs each job it runs, and those reasons grouped for a one-screen summary.

A launch runs the jobs that are new, failed or cancelled (:data:`RERUN_STATES`). Each one's
reason is the first answer of :data:`RULES`, tried in order:

- ``failed before: <its one-line error>``, or for a job that only failed because an input
  failed (:mod:`grid.failures`) ``not run before: <stage> <sig> failed``, naming the root cause;
- ``cancelled``;
- ``queued before, never started``: its folder exists but holds no attempt (the launcher or
  Slurm job that queued it is gone);
- ``settings differ from <sig>: recipe.epochs 3 → 4``: ``<sig>`` is the closest existing job
  of the same stage and label (any sweep's, read from the ``job.json`` of that stage's job
  folders): the fewest config values differ, then the fewest input jobs; among equals the
  newest done one. Values are dotted config paths, ``old → new``; ``added (v)`` and
  ``removed (was v)`` for keys only one side has; the first three, then ``and N more``;
- ``reads <stage> <sig>, which reruns`` (or ``which is new``): same config as the closest job,
  other inputs; the first differing input is named, and its own reason explains the rest;
- ``stage version changed since <sig>``: same config and inputs, so the stage's version in
  :data:`grid.stage_table.STAGE_VERSIONS` is what rehashed it;
- ``new``: no job of that stage and label has ever existed under this results root.

A rule is a function ``(job, scan) -> str | None``; :func:`reasons` takes another list of
rules, and ``given`` reasons that win over the rules (a caller that reruns done jobs for its
own reason). :func:`render` groups the reasons per stage and text, with counts, so a sweep of
thousands of jobs reads in a few lines. Torch-free (tests/test_layering.py); the folders of a
stage are listed once, and their ``job.json`` read only when a job of that stage has no folder.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from grid.code import describe_change, stale_jobs
from grid.failures import root_causes
from grid.job import Job, canonical_json
from grid.plan import Plan
from grid.stages.registry import STAGE_ORDER
from grid.store.folder import JobFolder
from grid.store.state import CANCELLED, FAILED, NEW

RERUN_STATES = frozenset({NEW, FAILED, CANCELLED})  # what a launch runs (grid.launch)
SHOWN_CHANGES = 3  # config differences named in one reason
SHOWN_VALUE = 40  # characters of one value shown
SHOWN_ERROR = 200  # characters of an error quoted
SIGNATURE = re.compile(r"\b[0-9a-f]{12}\b")


@dataclass
class Earlier:
    """An existing job folder of the stage and label of a job to run, and its spec."""

    folder: JobFolder
    config: Mapping[str, Any]
    inputs: Mapping[str, Sequence[str]]

    @property
    def signature(self) -> str:
        return self.folder.signature

    @cached_property
    def flat(self) -> dict[str, Any]:
        return flatten(self.config)

    @cached_property
    def done(self) -> bool:
        return self.folder.is_done()

    @property
    def finished(self) -> str:
        """When it was done (ISO time; read from its folder), ``""`` when it is not."""
        return (self.folder.done_record() or {}).get("time", "")


@dataclass
class Scan:
    """What the rules read: the plan, every job's state, the results root, the reasons given
    so far (upstream jobs first, so a job's inputs already have theirs), and the existing
    job folders of a stage (listed, and their specs read, once per stage on first need)."""

    plan: Plan
    states: Mapping[str, str]
    root: Path
    reasons: dict[str, str] = field(default_factory=dict)
    _listed: dict[str, dict[str, JobFolder]] = field(default_factory=dict)
    _by_label: dict[str, dict[str, list[Earlier]]] = field(default_factory=dict)
    _closest: dict[str, Earlier | None] = field(default_factory=dict)
    _flat: dict[str, dict[str, Any]] = field(default_factory=dict)

    @cached_property
    def jobs(self) -> dict[str, Job]:
        return self.plan.by_signature

    @cached_property
    def root_of(self) -> dict[str, str]:
        """Failed job -> the failure it counts under (:func:`grid.failures.root_causes`)."""
        errors = {
            j.signature: self.folder(j).error()
            for j in self.plan.jobs
            if self.states[j.signature] == FAILED
        }
        return root_causes(self.plan, errors)

    def folder(self, job: Job) -> JobFolder:
        return JobFolder.of(self.root, job)

    def flat(self, job: Job) -> dict[str, Any]:
        """``job``'s config as dotted paths (:func:`flatten`)."""
        if job.signature not in self._flat:
            self._flat[job.signature] = flatten(job.config)
        return self._flat[job.signature]

    def folders(self, stage: str) -> dict[str, JobFolder]:
        """Signature -> folder, for every job folder of ``stage`` (listed once)."""
        if stage not in self._listed:
            self._listed[stage] = {f.signature: f for f in JobFolder.of_stage(self.root, stage)}
        return self._listed[stage]

    def has_folder(self, job: Job) -> bool:
        return job.signature in self.folders(job.stage)

    def earlier(self, job: Job) -> list[Earlier]:
        """Existing jobs of ``job``'s stage and label, other than ``job`` itself."""
        if job.stage not in self._by_label:
            self._by_label[job.stage] = self._read_stage(job.stage)
        return [
            e for e in self._by_label[job.stage].get(job.label, []) if e.signature != job.signature
        ]

    def _read_stage(self, stage: str) -> dict[str, list[Earlier]]:
        by_label: dict[str, list[Earlier]] = defaultdict(list)
        for folder in self.folders(stage).values():
            known = self.jobs.get(folder.signature)  # this plan's own: no need to read it
            spec = known.to_dict() if known else folder.read_spec()
            if spec:
                by_label[spec.get("label", "")].append(
                    Earlier(folder, spec["config"], spec["inputs"])
                )
        return by_label

    def closest(self, job: Job) -> Earlier | None:
        """The existing job most like ``job`` (module docstring), None when ``job`` has a
        folder of its own or no job of its stage and label exists."""
        if job.signature not in self._closest:
            self._closest[job.signature] = self._find_closest(job)
        return self._closest[job.signature]

    def _find_closest(self, job: Job) -> Earlier | None:
        if self.has_folder(job):
            return None
        candidates = self.earlier(job)
        if not candidates:
            return None
        flat = self.flat(job)
        apart = {
            e.signature: (len(changed_paths(e.flat, flat)), _inputs_apart(e.inputs, job.inputs))
            for e in candidates
        }
        best = min(apart.values())
        ties = [e for e in candidates if apart[e.signature] == best]
        done = [e for e in ties if e.done] or ties
        return done[0] if len(done) == 1 else max(done, key=lambda e: (e.finished, e.signature))


Rule = Callable[[Job, Scan], str | None]


# -- the rules ------------------------------------------------------------------------------


def failed_before(job: Job, scan: Scan) -> str | None:
    """A failed job: its error, or the root cause that kept it from running."""
    if scan.states[job.signature] != FAILED:
        return None
    root = scan.root_of[job.signature]
    if root != job.signature:
        return f"not run before: {scan.jobs[root].stage} {root} failed"
    error = scan.folder(job).error() or "died without an error"
    return f"failed before: {_cut(error, SHOWN_ERROR)}"


def cancelled(job: Job, scan: Scan) -> str | None:
    """A job grid.cancel took off the queue (or the launcher, as a reader of one)."""
    return "cancelled" if scan.states[job.signature] == CANCELLED else None


def queued_before(job: Job, scan: Scan) -> str | None:
    """A new job with a folder: queued by a launch whose launcher or Slurm job is gone."""
    if scan.states[job.signature] == NEW and scan.has_folder(job):
        return "queued before, never started"
    return None


def settings_differ(job: Job, scan: Scan) -> str | None:
    """The config values that differ from the closest existing job's, old → new."""
    old = scan.closest(job)
    if old is None:
        return None
    new = scan.flat(job)
    changes = [_describe(path, old.flat, new) for path in changed_paths(old.flat, new)]
    if not changes:
        return None
    return f"settings differ from {old.signature}: {listing(changes, SHOWN_CHANGES)}"


def inputs_differ(job: Job, scan: Scan) -> str | None:
    """The first input the closest existing job did not read (same config), or the role
    that differs."""
    old = scan.closest(job)
    if old is None:
        return None
    for role, sigs in job.inputs.items():
        before = old.inputs.get(role, ())
        read = set(before)
        for sig in sigs:
            if sig not in read:
                return _reads(scan, sig, old)
        if list(sigs) != list(before):
            return f"reads other {role} inputs than {old.signature}"
    for role in old.inputs:
        if role not in job.inputs:
            return f"no longer reads {role}, as {old.signature} did"
    return None


def stage_changed(job: Job, scan: Scan) -> str | None:
    """Same config and inputs as the closest existing job, another signature: the stage's
    version is all that is left."""
    old = scan.closest(job)
    return None if old is None else f"stage version changed since {old.signature}"


def new(job: Job, scan: Scan) -> str | None:
    """No folder, and no existing job of its stage and label to compare it with."""
    return None if scan.has_folder(job) else "new"


RULES: tuple[Rule, ...] = (
    failed_before,
    cancelled,
    queued_before,
    settings_differ,
    inputs_differ,
    stage_changed,
    new,
)


def _reads(scan: Scan, sig: str, old: Earlier) -> str:
    stage = scan.jobs[sig].stage if sig in scan.jobs else "job"
    reason = scan.reasons.get(sig)
    if reason is None:  # not run by this launch: done or queued, but not what old read
        state = scan.states.get(sig, "unknown")
        return f"reads {stage} {sig} ({state}), which {old.signature} did not"
    return f"reads {stage} {sig}, which {'is new' if reason == 'new' else 'reruns'}"


# -- reasons and their summary --------------------------------------------------------------


def reasons(
    the_plan: Plan,
    states: Mapping[str, str],
    root: Path,
    todo: Iterable[str],
    rules: Sequence[Rule] = RULES,
    given: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Signature -> why a launch runs it, for every job of ``the_plan`` in ``todo``, in plan
    order: ``given[sig]`` where there is one, else the first answer of ``rules`` (``"rerun
    (was <state>)"`` when none answers). ``states``: every job's state
    (:func:`grid.status.classify`)."""
    todo, given = set(todo), given or {}
    scan = Scan(the_plan, states, Path(root))
    for job in the_plan.jobs:  # upstream first: an input's reason comes before its readers'
        sig = job.signature
        if sig in todo:
            answer = given.get(sig) or next((r for rule in rules if (r := rule(job, scan))), None)
            scan.reasons[sig] = answer or f"rerun (was {states[sig]})"
    return scan.reasons


def render(the_plan: Plan, why: Mapping[str, str], limit: int | None = 5) -> list[str]:
    """One line per stage and reason: how many jobs, the stage, the reason (stages in DAG
    order, the most common reasons first), in aligned columns::

            5  train     settings differ from 8dcf88fe7439 (+4): recipe.epochs 3 → 4
            5  evaluate  reads train 9f61a99b9211 (+4), which reruns

    Jobs whose reasons differ only in the signatures they name share a line: a signature the
    same for all is shown, one that varies is the first job's, with how many others there are.
    At most ``limit`` lines per stage (None: all), then one counting the jobs left out."""
    groups: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for job in the_plan.jobs:
        if job.signature in why:
            text = why[job.signature]
            groups[(job.stage, SIGNATURE.sub("\0", text))].append(SIGNATURE.findall(text))
    per_stage: dict[str, list[tuple[str, list[list[str]]]]] = defaultdict(list)
    for (stage, template), members in groups.items():
        per_stage[stage].append((template, members))
    width = max((len(stage) for stage in per_stage), default=0)
    lines = []
    for stage in sorted(per_stage, key=_stage_rank):
        ranked = sorted(per_stage[stage], key=lambda g: -len(g[1]))  # stable: plan order
        for template, members in ranked[:limit]:
            lines.append(f"  {len(members):>5}  {stage:<{width}}  {_fill(template, members)}")
        rest = ranked[limit:] if limit is not None else []
        if rest:
            jobs = sum(len(m) for _, m in rest)
            lines.append(f"  {jobs:>5}  {stage:<{width}}  ({len(rest)} other reasons)")
    return lines


def print_reasons(
    the_plan: Plan,
    states: Mapping[str, str],
    root: Path,
    todo: Iterable[str],
    heading: str = "why they run:",
    given: Mapping[str, str] | None = None,
) -> None:
    """Print ``heading`` and the :func:`render` of :func:`reasons` (``given`` as there);
    nothing when ``todo`` is empty. The launcher (dry run or not) and status call this."""
    why = reasons(the_plan, states, root, todo, given=given)
    if why:
        print("\n".join([heading, *render(the_plan, why)]))


def print_stale(the_plan: Plan, root: Path) -> None:
    """Print the done jobs of ``the_plan`` whose stage code changed since they ran
    (:func:`grid.code.stale_jobs`), grouped like the reasons; nothing when there are none."""
    stale = stale_jobs(the_plan.jobs, root)
    if stale:
        why = {sig: describe_change(files) for sig, files in stale.items()}
        heading = (
            f"stale: {len(stale)} done jobs ran other code (kept; to recompute them, bump the "
            "stage's version if the change alters results, or delete their folders):"
        )
        print("\n".join([heading, *render(the_plan, why)]))


def _fill(template: str, members: list[list[str]]) -> str:
    parts = template.split("\0")
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        sigs = dict.fromkeys(m[i] for m in members)
        first = next(iter(sigs))
        out.append((first if len(sigs) == 1 else f"{first} (+{len(sigs) - 1})") + part)
    return "".join(out)


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), stage)


# -- configs as dotted paths ----------------------------------------------------------------


class Compact(str):
    """A list or an empty mapping of a config, as its canonical JSON (``[0.5,0.5,0.5]``)."""


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"recipe": {"epochs": 3, "mean": [0.5]}}`` -> ``{"recipe.epochs": 3, "recipe.mean":
    Compact("[0.5]")}``: lists and empty mappings are values, as :class:`Compact` text."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if value is None or isinstance(value, (str, int, float)):  # most values: no ABC check
            out[path] = value
        elif isinstance(value, Mapping) and value:
            out.update(flatten(value, path + "."))
        else:
            out[path] = Compact(canonical_json(value))
    return out


def changed_paths(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Paths whose value differs (or that one side lacks): ``new``'s order, then ``old``'s."""
    paths = [p for p, v in new.items() if p not in old or not same(old[p], v)]
    return paths + [p for p in old if p not in new]


def same(a: Any, b: Any) -> bool:
    """Whether two values of :func:`flatten` are equal as the signature sees them (3 and 3.0,
    or True and 1, differ)."""
    return type(a) is type(b) and a == b


def show(value: Any) -> str:
    """A short stable text of a config value: strings bare (quoted when empty or spaced),
    numbers as JSON writes them (0.0005, 1e-05), lists compact (``[0.5,0.5,0.5]``)."""
    if isinstance(value, Compact) or (
        isinstance(value, str) and value and not re.search(r"[\s,→]", value)
    ):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)
    return _cut(text, SHOWN_VALUE)


def listing(items: Sequence[str], shown: int) -> str:
    """``a, b, c and 2 more``."""
    head = ", ".join(items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown} more"


def _describe(path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    if path not in old:
        return f"{path} added ({show(new[path])})"
    if path not in new:
        return f"{path} removed (was {show(old[path])})"
    return f"{path} {show(old[path])} → {show(new[path])}"


def _inputs_apart(old: Mapping[str, Sequence[str]], new: Mapping[str, Sequence[str]]) -> int:
    """How many input signatures one side reads and the other does not, role by role."""
    return sum(len(set(old.get(r, ())) ^ set(new.get(r, ()))) for r in {*old, *new})


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
