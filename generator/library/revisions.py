"""Facts about the two sides of a comparison: commit ids, dates, commit subjects, skeletons.

``git:REV`` sides resolve to a commit id and its commit date; folders and
lockfiles to the newest modification time of their files. The dates come
from the inputs, never the clock, so redlines stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Side:
    """One side of a comparison as the redline cover names it."""

    label: str
    commit: str | None
    date: str  # ISO 8601 UTC, seconds precision

    def describe(self) -> str:
        """E.g. 'git:HEAD~1 (commit 1a2b3c4d5e6f, 2026-11-25)'."""
        where = f"commit {self.commit[:12]}, " if self.commit else ""
        return f"{self.label} ({where}{self.date[:10]})"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], capture_output=True, text=True)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(int(ts), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def side_info(spec: str | Path | None) -> Side:
    """Resolve a side: commit id and commit date for ``git:``, newest file time for a folder or file."""
    if spec is None:
        from .clauses import builtin_root

        spec = builtin_root("clauses")
    text = str(spec)
    if text.startswith("git:"):
        rev = text[4:].partition(":")[0]
        out = _git("log", "-1", "--format=%H %ct", f"{rev}^{{commit}}", "--")
        if out.returncode == 0 and out.stdout.strip():
            commit, ts = out.stdout.split()
            return Side(text, commit, _iso(float(ts)))
        return Side(text, None, "2000-01-01T00:00:00Z")
    path = Path(text)
    newest = 0.0
    if path.is_dir():
        for folder, _dirs, files in os.walk(path):
            for f in files:
                try:
                    newest = max(newest, os.stat(os.path.join(folder, f)).st_mtime)
                except OSError:
                    continue
    elif path.exists():
        newest = path.stat().st_mtime
    return Side(text, None, _iso(newest) if newest else "2000-01-01T00:00:00Z")


def commit_subjects(old: str | Path | None, new: str | Path | None) -> dict[str, list[str]]:
    """For two ``git:`` sides, the subjects of the commits between them, by file path (relative to the repository)."""
    if not (str(old).startswith("git:") and str(new).startswith("git:")):
        return {}
    a, b = str(old)[4:].partition(":")[0], str(new)[4:].partition(":")[0]
    out = _git("log", "--format=%x00%s", "--name-only", f"{a}..{b}", "--")
    if out.returncode != 0:
        return {}
    found: dict[str, list[str]] = {}
    for entry in out.stdout.split("\x00")[1:]:
        lines = [x for x in entry.splitlines() if x.strip()]
        if not lines:
            continue
        subject, files = lines[0], lines[1:]
        for f in files:
            found.setdefault(f, [])
            if subject not in found[f]:
                found[f].append(subject)
    return found


@contextmanager
def templates_at(spec: str | Path | None) -> Iterator[Path | None]:
    """Yield the ``templates/`` folder at a ``git:`` revision (None for other sides, or when it has none).

    Read from git's object store as :func:`~generator.library.sources.load_git`
    reads clauses: symbolic links and submodules are refused, and so is any
    file over ``MAX_GIT_FILE_BYTES``, before it is read; the files are written
    as plain files into a temporary folder removed afterwards.

    Raises:
        LibraryError: naming ``git:REV:templates/…`` for each refused file.
    """
    from ..errors import LibraryError, Problem
    from .sources import MAX_GIT_FILE_BYTES, _git_spec, _read_blobs

    text = str(spec)
    if not text.startswith("git:"):
        yield None
        return
    rev, _ = _git_spec(text)
    top = _git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        yield None
        return
    root = top.stdout.strip()
    listing = subprocess.run(
        ["git", "-C", root, "ls-tree", "-r", "-l", "-z", f"{rev}^{{commit}}", "--", "templates"], capture_output=True
    )
    if listing.returncode != 0 or not listing.stdout:
        yield None
        return
    problems: list[Problem] = []
    wanted: list[tuple[str, str]] = []  # (path in the repository, blob id)
    for record in listing.stdout.split(b"\x00"):
        if not record:
            continue
        info, _, raw_name = record.partition(b"\t")
        mode, otype, blob, size = info.decode().split(maxsplit=3)
        rel = raw_name.decode("utf-8", errors="replace")
        shown = f"git:{rev}:{rel}"
        parts = rel.split("/")
        if mode == "120000":
            problems.append(Problem(shown, "", "is a symbolic link; templates in git must be plain files"))
        elif otype != "blob":
            problems.append(Problem(shown, "", f"is a git {otype} (submodule); templates must be plain files"))
        elif parts[0] != "templates" or any(p in ("", ".", "..") for p in parts):
            problems.append(Problem(shown, "", "is not a plain path inside templates/"))
        elif int(size) > MAX_GIT_FILE_BYTES:
            problems.append(
                Problem(shown, "", f"is {int(size):,} bytes; files over {MAX_GIT_FILE_BYTES:,} bytes are refused")
            )
        else:
            wanted.append((rel, blob))
    if problems:
        raise LibraryError(f"git:{rev}: the templates at this revision cannot be used", problems)
    tmp = Path(tempfile.mkdtemp(prefix="policygen-templates-"))
    try:
        for (rel, _), data in zip(wanted, _read_blobs(root, [b for _, b in wanted]), strict=True):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as fh:
                fh.write(data)
        yield tmp / "templates"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
