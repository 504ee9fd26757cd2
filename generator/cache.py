"""A small on-disk cache for work that depends only on file contents.

Entries are keyed by a SHA-256 over everything that determines them
(policygen's version and source code, Jinja and Python versions, and the input: text for compiled
templates, parsed Markdown and lint results; path, size and modification time
in nanoseconds of every clause file for the parsed library, as Python's
``__pycache__`` does), so a hit is identical to recomputing and an edited
clause misses. Writes are atomic and every failure is silent: the cache only
ever saves time.

Location: ``$POLICYGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/policygen``, else
``~/.cache/policygen``. ``POLICYGEN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from . import __version__


def _code_fingerprint() -> str:
    """Hash policygen's own source, so a cache written by other code (a schema change) never hits."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        with contextlib.suppress(OSError):
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


SALT = f"policygen {__version__}; python {sys.version_info[:3]}; code {_code_fingerprint()}"


def cache_dir() -> Path | None:
    """Return the cache folder, or None when caching is off."""
    env = os.environ
    return _cache_dir(
        env.get("POLICYGEN_NO_CACHE"), env.get("POLICYGEN_CACHE_DIR"), env.get("XDG_CACHE_HOME"), env.get("HOME")
    )


@functools.lru_cache(maxsize=8)
def _cache_dir(off: str | None, explicit: str | None, xdg: str | None, home: str | None) -> Path | None:
    if off:
        return None
    if explicit:
        return Path(explicit)
    base = xdg or os.path.join(home or str(Path.home()), ".cache")
    return Path(base) / "policygen"


def key(*parts: bytes | str) -> str:
    """Hash the parts that determine an entry."""
    h = hashlib.sha256(SALT.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def load(kind: str, digest: str) -> bytes | None:
    """Return a cached entry, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return (folder / kind / digest[:2] / digest).read_bytes()
    except OSError:
        return None


def store(kind: str, digest: str, data: bytes) -> None:
    """Save an entry atomically; ignore any failure."""
    folder = cache_dir()
    if folder is None:
        return
    target = folder / kind / digest[:2] / digest
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError:
        return
