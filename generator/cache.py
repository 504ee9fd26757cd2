"""A small on-disk cache of *data* for work that depends only on file contents.

What is cached: the parsed clause library's metadata, parsed Markdown, lint's
template findings and rendered clause text, all as JSON. Never code: nothing
read from the cache is compiled, unpickled or unmarshalled, so whoever can
write to the cache folder can at worst make policygen redo work.

Entries are keyed by a SHA-256 over everything that determines them
(policygen's version and source code, Python's version and the input's
*content*), so a hit is identical to recomputing and an edited file misses.

Integrity: every entry is ``MAGIC``, then the SHA-256 of (its key, its
payload), then the payload. On load the file is opened without following
links and without blocking (``O_NOFOLLOW | O_NONBLOCK``), checked to be a
regular file owned by this user and no bigger than :data:`MAX_ENTRY`, and its
digest is recomputed. Anything else (a link, a FIFO, a folder, an oversized
or truncated entry, flipped bytes, an entry renamed to another key) is a
miss: the work is redone and the entry rewritten. Writes are atomic and every
failure is silent: the cache only ever saves time.

Size: after a run that wrote entries, the cache is pruned (oldest first) to
three quarters of :data:`MAX_TOTAL` when it has grown past it.

Location: ``$POLICYGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/policygen``, else
``~/.cache/policygen``. ``POLICYGEN_NO_CACHE`` set to ``1``, ``true`` or
``yes`` turns it off (any other value, ``0`` included, leaves it on).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import __version__

MAGIC = b"policygen-cache 2\n"
#: Largest entry read or written, in bytes (the parsed 10x library is about 3 MB).
MAX_ENTRY = 32 * 1024 * 1024
#: The cache is pruned back to 3/4 of this when it grows past it.
MAX_TOTAL = 256 * 1024 * 1024
_DIGEST_LEN = 64
_TRUE = ("1", "true", "yes")


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


def cache_disabled(value: str | None) -> bool:
    """Tell whether ``POLICYGEN_NO_CACHE`` has a true value (``1``, ``true``, ``yes``, any case)."""
    return (value or "").strip().lower() in _TRUE


@functools.lru_cache(maxsize=8)
def _cache_dir(off: str | None, explicit: str | None, xdg: str | None, home: str | None) -> Path | None:
    if cache_disabled(off):
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


def _seal(digest: str, payload: bytes) -> bytes:
    return hashlib.sha256(digest.encode("ascii") + b"\x00" + payload).hexdigest().encode("ascii")


def _entry_path(folder: Path, kind: str, digest: str) -> Path | None:
    if not (kind.isidentifier() and len(digest) == _DIGEST_LEN and all(c in "0123456789abcdef" for c in digest)):
        return None
    return folder / kind / digest[:2] / digest


def _read_entry(path: Path) -> bytes | None:
    """Read a whole regular file without following a link or blocking; None for anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY:
            return None
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            return None
        chunks = []
        left = MAX_ENTRY + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= MAX_ENTRY else None
    except OSError:
        return None
    finally:
        os.close(fd)


def load(kind: str, digest: str) -> bytes | None:
    """Return a cached entry's payload, or None (a miss) when it is absent or fails any check."""
    folder = cache_dir()
    if folder is None:
        return None
    path = _entry_path(folder, kind, digest)
    data = _read_entry(path) if path is not None else None
    if data is None or not data.startswith(MAGIC):
        return None
    head = len(MAGIC) + _DIGEST_LEN + 1
    payload = data[head:]
    if data[len(MAGIC) : head - 1] != _seal(digest, payload) or data[head - 1 : head] != b"\n":
        return None
    return payload


_made: set[Path] = set()  # entry folders this process has made or found


def store(kind: str, digest: str, data: bytes) -> None:
    """Save an entry atomically with its integrity digest; ignore any failure."""
    folder = cache_dir()
    if folder is None or len(data) + len(MAGIC) + _DIGEST_LEN + 1 > MAX_ENTRY:
        return
    target = _entry_path(folder, kind, digest)
    if target is None:
        return
    try:
        if target.parent not in _made:  # a first run stores hundreds of entries into 256 subfolders
            _make_folders(folder, target.parent)
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except FileNotFoundError:  # removed since this process made it
            _make_folders(folder, target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC + _seal(digest, data) + b"\n" + data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        return
    _note_write(folder)


def _make_folders(folder: Path, sub: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    sub.mkdir(mode=0o700, parents=True, exist_ok=True)
    _made.add(sub)


#: Text values this process has read or written (immutable, so safe to share): lint renders each
#: sample twice, and a batch renders the same clause text for many profiles.
_texts: dict[tuple[str, str], str] = {}
_TEXTS_MAX = 20_000


def _remember(kind: str, digest: str, value: Any) -> None:
    if isinstance(value, str):
        if len(_texts) >= _TEXTS_MAX:
            _texts.clear()
        _texts[(kind, digest)] = value


def load_json(kind: str, digest: str) -> Any | None:
    """Return a cached JSON value, or None on a miss or any decoding problem."""
    text = _texts.get((kind, digest))
    if text is not None:
        return text
    data = load(kind, digest)
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    _remember(kind, digest, value)
    return value


def store_json(kind: str, digest: str, value: Any) -> None:
    """Save a JSON-serialisable value."""
    _remember(kind, digest, value)
    store(kind, digest, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


_pruned: set[str] = set()


def _note_write(folder: Path) -> None:
    """Prune once per process per cache folder, after the first write (warm runs write nothing)."""
    if str(folder) in _pruned:
        return
    _pruned.add(str(folder))
    with contextlib.suppress(OSError):
        prune(folder)


def prune(folder: Path, limit: int = MAX_TOTAL) -> int:
    """Delete the oldest entries until the cache is at most 3/4 of ``limit``; return bytes freed.

    Only files inside the cache's own two-level layout are counted or removed;
    links are never followed.
    """
    entries: list[tuple[int, int, str]] = []
    total = 0
    with os.scandir(folder) as kinds:
        for kind in kinds:
            if not kind.is_dir(follow_symlinks=False):
                continue
            with os.scandir(kind.path) as shards:
                for shard in shards:
                    if not shard.is_dir(follow_symlinks=False):
                        continue
                    with os.scandir(shard.path) as files:
                        for f in files:
                            try:
                                st = f.stat(follow_symlinks=False)
                            except OSError:
                                continue
                            total += st.st_size
                            entries.append((st.st_mtime_ns, st.st_size, f.path))
    if total <= limit:
        return 0
    freed = 0
    for _, size, path in sorted(entries):
        if total - freed <= limit * 3 // 4:
            break
        with contextlib.suppress(OSError):
            os.unlink(path)
            freed += size
    return freed
