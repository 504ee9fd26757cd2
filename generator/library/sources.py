"""Where a clause library comes from: a folder, a git revision, or a lockfile.

``policygen diff OLD NEW`` and ``generate --lock`` accept:

* a folder path: a library folder with ``library.yaml``;
* ``git:REV`` or ``git:REV:PATH``: the ``clauses/`` folder (or PATH) at a
  revision of the git repository around the current folder, read with
  ``git archive`` into a temporary folder, never touching the working tree;
* a lockfile (``*.lock.json``) written by ``generate --lock``: the exact
  clause files a company adopted.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import LibraryError, Problem, UsageError
from .clauses import Library, load_library

LOCK_FORMAT = "policygen-lock/1"


@contextmanager
def library_source(spec: str | Path | None) -> Iterator[Library]:
    """Load a library from a folder, ``git:REV[:PATH]`` or a lockfile.

    Raises:
        UsageError: when the spec is neither an existing folder, a git
            revision nor a lockfile (never silently compared as text).
        LibraryError: when what it names is not a valid library.
    """
    if spec is None:
        yield load_library(None)
        return
    text = str(spec)
    if text.startswith("git:"):
        with _git_checkout(text) as folder:
            yield _relabel(load_library(folder), text)
        return
    path = Path(text)
    if path.is_dir():
        yield load_library(path)
        return
    if path.is_file() and (path.suffix == ".json" or path.name.endswith(".lock")):
        with _lock_checkout(path) as folder:
            yield _relabel(load_library(folder), text)
        return
    if path.exists():
        raise UsageError(f"{text} is neither a clause-library folder nor a lockfile (*.json)")
    raise UsageError(f"{text}: no such folder or lockfile; for a git revision write git:{text}")


def _relabel(library: Library, shown: str) -> Library:
    library.root = shown
    return library


@contextmanager
def _git_checkout(spec: str) -> Iterator[Path]:
    rest = spec[len("git:") :]
    rev, _, sub = rest.partition(":")
    sub = sub or "clauses"
    if not rev:
        raise UsageError(f"{spec}: name a revision, e.g. git:HEAD~1 or git:v1.2")
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise UsageError(f"{spec}: the current folder is not inside a git repository") from None
    verify = subprocess.run(
        ["git", "-C", top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], capture_output=True, text=True
    )
    if verify.returncode != 0:
        raise UsageError(f"{spec}: unknown git revision {rev!r}")
    archive = subprocess.run(["git", "-C", top, "archive", "--format=tar", rev, "--", sub], capture_output=True)
    if archive.returncode != 0:
        raise UsageError(f"{spec}: {sub!r} does not exist at revision {rev}")
    tmp = Path(tempfile.mkdtemp(prefix="policygen-git-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python 3.10.12+ / 3.11.4+
                tar.extractall(tmp, filter="data")
            else:  # git archive of our own repository: plain files only
                tar.extractall(tmp)  # noqa: S202
        yield tmp / sub
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _lock_checkout(path: Path) -> Iterator[Path]:
    data = read_lock(path)
    tmp = Path(tempfile.mkdtemp(prefix="policygen-lock-"))
    try:
        lib = data["library"]
        (tmp / "library.yaml").write_text(f"name: {json.dumps(lib['name'])}\nversion: {lib['version']}\n")
        for cid, entry in data["clauses"].items():
            (tmp / f"{cid}.md").write_text(entry["text"], encoding="utf-8")
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_lock(path: Path) -> dict[str, Any]:
    """Read and check a lockfile.

    Raises:
        LibraryError: when it is not a policygen lockfile or a clause text
            does not match its recorded hash.
    """
    import hashlib

    shown = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LibraryError(f"Cannot read lockfile {shown}", [Problem(shown, "", str(exc))]) from None
    if not isinstance(data, dict) or data.get("format") != LOCK_FORMAT:
        raise LibraryError(f"{shown} is not a policygen lockfile (format {LOCK_FORMAT})")
    problems = []
    for cid, entry in data.get("clauses", {}).items():
        digest = "sha256:" + hashlib.sha256(entry.get("text", "").encode("utf-8")).hexdigest()
        if digest != entry.get("hash"):
            problems.append(Problem(shown, f"clauses.{cid}", "text does not match its hash; the lockfile was edited"))
    if problems:
        raise LibraryError(f"Lockfile {shown} is corrupt", problems)
    return data


def lock_bytes(library: Library) -> bytes:
    """Serialise a library as a lockfile: every clause's exact text and hash."""
    data = {
        "format": LOCK_FORMAT,
        "generator": __version__,
        "library": {"name": library.name, "version": library.version},
        "clauses": {
            cid: {"version": c.version, "hash": c.content_hash, "text": c.text} for cid, c in library.clauses.items()
        },
    }
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
