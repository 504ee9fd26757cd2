"""Facts about the two sides of a comparison: commit ids, dates, commit subjects, skeletons.

``git:REV`` sides resolve to a commit id and its commit date; folders and
lockfiles to the newest modification time of their files. The dates come
from the inputs, never the clock, so redlines stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import tarfile
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
    """Yield the ``templates/`` folder at a ``git:`` revision (None for other sides, or when it has none)."""
    text = str(spec)
    if not text.startswith("git:"):
        yield None
        return
    rev = text[4:].partition(":")[0]
    top = _git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        yield None
        return
    archive = subprocess.run(
        ["git", "-C", top.stdout.strip(), "archive", "--format=tar", rev, "--", "templates"], capture_output=True
    )
    if archive.returncode != 0:
        yield None
        return
    tmp = Path(tempfile.mkdtemp(prefix="policygen-templates-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:
                tar.extractall(tmp)  # noqa: S202  (git archive of the user's own repository)
        yield tmp / "templates"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
