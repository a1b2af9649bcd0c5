"""The code a launch runs: its fingerprint, its snapshot, and what a code change means.

**Fingerprint.** :func:`current` describes the suite's packages (:data:`PACKAGES`) as they
are now: ``commit`` (git HEAD, None outside git), ``changes`` (a hash of the uncommitted
changes to the packages, None when there are none), ``versions`` (the resolved versions of
the packages that shape results, :func:`grid.store.provenance.package_versions`) and
``fingerprint``: 12 hex digits of a hash of every package file's content plus those
versions, so two checkouts with the same files and libraries share it whatever their git
history. Every launch appends it to ``results/<sweep>/launches.jsonl``; every row carries it
(provenance column ``code``) and every done job records it.

**Snapshot.** :func:`snapshot` copies the packages to ``<results>/_code/<fingerprint>/``
(once: launches with the same code share it), with ``code.json`` (the record above) and
``manifest.json`` (file → content hash). Jobs that a launch queues import the suite from
there, not from the live checkout, so a ``git pull`` or an edit while they wait changes
nothing they run: Slurm scripts put it first on ``PYTHONPATH``, local job processes first on
``sys.path`` (``grid.executors.base.Launch.code_dir``). A sweep's own plugin modules outside
the packages (``plugins=[...]``) are imported from where they are. submitit's
``RsyncSnapshot`` was not used: it needs ``rsync`` and a git checkout, copies every tracked
file of the repository (docs and their images included) and works by changing the
submitting process's working directory.

**Code changes and reuse.** A job's signature holds its config, its inputs and its stage's
version (docs/ARCHITECTURE.md), not its code: editing a module does not rerun the jobs that
used it (a one-line fix in a figure would otherwise rerun weeks of training). Instead each
done job records the content hash of every package file its stage can import
(:func:`stage_files`: the import closure of the stage's module, read statically), and
status, the dry run and the report flag a done job whose stage files changed since it ran
as *stale*, naming the files (:func:`changed_files`). To rerun stale jobs, bump the stage's
version (the change alters results) or delete their folders.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from grid.job import Job
from grid.store.files import atomic_write_json
from grid.store.folder import JobFolder
from grid.store.provenance import package_versions
from lcc.atomic import atomic_path

PACKAGES = ("lcc", "grid", "analysis")  # the suite's own code (pyproject.toml)
SNAPSHOTS = "_code"  # <results>/_code/<fingerprint>/
RECORD, MANIFEST = "code.json", "manifest.json"
_SKIP = ("__pycache__",)


def source_root() -> Path:
    """The folder holding the packages this process imported (a checkout or a snapshot)."""
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class CodeRecord:
    """What code a launch or a job ran (see the module docstring)."""

    fingerprint: str
    commit: str | None
    changes: str | None
    versions: dict[str, str | None]

    @property
    def git_label(self) -> str:
        """The commit, with ``-dirty`` when the packages had uncommitted changes;
        ``"unknown"`` outside git (the rows' ``git_commit``)."""
        if not self.commit:
            return "unknown"
        return self.commit + ("-dirty" if self.changes else "")

    def short(self) -> str:
        """``<fingerprint> (commit 1a2b3c4d5e6f, uncommitted changes 9f8e7d6c5b4a)``."""
        commit = self.commit[:12] if self.commit else "no git"
        dirty = f", uncommitted changes {self.changes}" if self.changes else ""
        return f"{self.fingerprint} (commit {commit}{dirty})"


def _files(root: Path) -> list[Path]:
    """Every file of the packages under ``root``, sorted, caches left out."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            skip = path.suffix == ".pyc" or any(part in _SKIP for part in path.parts)
            if path.is_file() and not skip:
                found.append(path)
    return found


def _sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@functools.cache
def manifest(root: Path | None = None) -> dict[str, str]:
    """``{path relative to root: sha1 of its content}`` for every package file."""
    root = root or source_root()
    return {p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in _files(root)}


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=True, timeout=30
        ).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None


def _uncommitted(root: Path) -> str | None:
    """A hash of the packages' uncommitted changes (diff to HEAD plus untracked files)."""
    diff = _git(root, "diff", "HEAD", "--binary", "--", *PACKAGES)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "--", *PACKAGES)
    if not diff and not (untracked or "").strip():
        return None
    digest = hashlib.sha1((diff or "").encode())
    for name in sorted((untracked or "").split()):
        path = root / name
        if path.is_file() and path.suffix != ".pyc":
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def current() -> CodeRecord:
    """The record of the code this process imported: read from the snapshot's ``code.json``
    when it runs from one, else computed from the checkout (git, file hashes)."""
    root = source_root()
    recorded = root / RECORD
    if recorded.is_file():
        return CodeRecord(**json.loads(recorded.read_text()))
    versions = json.loads(package_versions())
    files = manifest(root)
    digest = _sha(json.dumps([sorted(files.items()), versions], sort_keys=True).encode())
    head = _git(root, "rev-parse", "HEAD")
    commit = head.strip() if head and (root / ".git").exists() else None
    changes = _uncommitted(root) if commit else None
    return CodeRecord(digest[:12], commit, changes, versions)


def snapshot_dir(results_root: Path, record: CodeRecord) -> Path:
    return Path(results_root) / SNAPSHOTS / record.fingerprint


def snapshot(results_root: Path) -> Path:
    """``<results>/_code/<fingerprint>/``: the packages as this process imported them, made
    once (a temporary folder renamed into place, so a reader never sees half a copy)."""
    record = current()
    target = snapshot_dir(results_root, record)
    if (target / MANIFEST).is_file():
        return target
    source = source_root()
    try:
        with atomic_path(target, folder=True) as tmp:
            for path in _files(source):
                copy = tmp / path.relative_to(source)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
            atomic_write_json(tmp / RECORD, asdict(record))
            atomic_write_json(tmp / MANIFEST, manifest(source))
    except OSError:
        if not (target / MANIFEST).is_file():
            raise
        # another launcher made it first: its copy is of the same files (same fingerprint)
    return target


# -- which files a stage's code is -----------------------------------------------------


def _module_path(module: str, files: dict[str, str]) -> str | None:
    """The package file of ``module`` (``a/b.py`` or ``a/b/__init__.py``), if one of ours."""
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py"):
        if candidate in files:
            return candidate
    return None


def _imported_names(tree: ast.Module, package: str, top_level: bool) -> list[str]:
    """Module names imported in ``tree`` (of a module in ``package``): everywhere, or only in
    its module-level statements (what importing it executes)."""
    nodes = ast.walk(tree) if not top_level else iter(tree.body)
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    return names


def _imports(path: str, root: Path, files: dict[str, str], top_level: bool) -> dict[str, bool]:
    """Package files that ``path`` imports, each with whether only its top level counts: a
    module named by an import counts whole (its functions' imports run when they are
    called), a package above it only for what importing it executes."""
    tree = ast.parse((root / path).read_text(), filename=path)
    is_init = path.endswith("/__init__.py")
    package = path[: -len("/__init__.py")] if is_init else path.rsplit("/", 1)[0]
    found: dict[str, bool] = {}
    for name in _imported_names(tree, package.replace("/", "."), top_level):
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            hit = _module_path(".".join(parts[:end]), files)
            if hit:
                named = end == len(parts)
                found[hit] = found.get(hit, True) and not named
    return found


def stage_files(module: str, root: Path | None = None) -> dict[str, str]:
    """``{file: content hash}`` of ``module`` (a stage function's module, e.g.
    ``grid.stages.train``) and every package file it imports, directly or through others."""
    root = root or source_root()
    return dict(_closure(module, root))


@functools.cache
def _closure(module: str, root: Path) -> tuple[tuple[str, str], ...]:
    files = manifest(root)
    start = _module_path(module, files)
    if start is None:
        return ()
    whole: dict[str, bool] = {start: False}  # file -> only its top level counts
    todo = [start]
    while todo:
        path = todo.pop()
        for found, top_level in _imports(path, root, files, whole[path]).items():
            if found not in whole or (whole[found] and not top_level):
                whole[found] = top_level
                todo.append(found)
    return tuple(sorted((path, files[path]) for path in whole))


def changed_files(recorded: dict[str, str], module: str, root: Path | None = None) -> list[str]:
    """Files of ``module``'s closure whose content differs from ``recorded`` (a done job's
    ``stage_files``), added or removed ones included; empty when its code is unchanged."""
    now = stage_files(module, root)
    return sorted(f for f in recorded.keys() | now.keys() if recorded.get(f) != now.get(f))


def stale_jobs(jobs: Iterable[Job | dict], root: Path) -> dict[str, list[str]]:
    """Signature -> the package files that changed since it ran, for each done job of
    ``jobs`` (Jobs or ``job.json``-like dicts, under results root ``root``) whose stage code
    is not what this process would run now. A job done before code was recorded is not
    judged."""
    stale = {}
    for job in jobs:
        folder = JobFolder.of(root, job)
        record = (folder.done_record() or {}).get("code")
        if not record or "files" not in record:
            continue
        changed = changed_files(record["files"], record["module"])
        if changed:
            stale[folder.signature] = changed
    return stale


def describe_change(files: list[str], limit: int = 3) -> str:
    """``code changed: grid/stages/train.py, lcc/train/loop.py and 2 more``."""
    shown = ", ".join(files[:limit])
    more = f" and {len(files) - limit} more" if len(files) > limit else ""
    return f"code changed since it ran: {shown}{more}"
