"""A small on-disk cache of *data* for work that depends only on file contents.

What is cached: the parsed clause library's metadata, parsed Markdown, lint's
template findings and rendered clause text, all as JSON. Never code: nothing
read from the cache is compiled, unpickled or unmarshalled, so whoever can
write to the cache folder can at worst make policygen redo work.

Entries are keyed by a SHA-256 over everything that determines them
(policygen's version and source code, Python's version and the input's
*content*), so a hit is identical to recomputing and an edited file misses.

Storage: one SQLite database, :data:`DB_NAME` in the cache folder, one row per
entry (kind, key, seal, payload, time stored). A first run stores a few
hundred entries; one file written in one transaction costs a few
milliseconds, where a file per entry cost 0.2-0.4 s of creating files and
folders. Entries stored during a run are kept in memory (:func:`load` sees
them) and written by :func:`flush`: at exit, when the cache folder in use
changes, and when more than :data:`FLUSH_BYTES` are waiting. Caches written by
earlier versions (``kind/xx/key`` files) are neither read nor removed; delete
those folders by hand to get the space back.

Integrity: every row holds the SHA-256 of (:data:`MAGIC`, its kind, its key,
its payload), recomputed on every load, so flipped bytes, a truncated
payload or a row copied under another key is a miss: the work is redone and
the entry rewritten. The folder must be a real directory (not a link) owned
by this user (policygen creates it ``0700``). Before connecting, the database
file is checked with ``lstat``: a link, a FIFO, a folder, a file owned by
someone else or one over :data:`MAX_FILE` is never opened (a regular file of
ours that is oversized is deleted and started afresh; anything else means no
cache for this run). The connection runs with ``trusted_schema=OFF``,
``cell_size_check=ON``, no memory mapping, rows bounded to about
:data:`MAX_ENTRY`, the schema checked to be exactly ours (no triggers,
views or other tables) and the rollback journal (not WAL, whose shared
memory file would be mapped). A wrong schema, a file that is not a database
or a corrupt one is deleted and replaced by a fresh database. "Database is
locked" (another policygen writing; the wait is bounded to two seconds) is a
miss or a skipped write. Every failure is silent: the cache only ever saves
time.

Durability: ``synchronous=OFF`` with SQLite's rollback journal. A killed
process leaves the journal, which SQLite rolls back; only a power cut or
operating-system crash mid-write can leave a damaged database, and damage is
a miss (the seal) or a corrupt database (deleted). Losing the cache only
costs a cold run, so it is not worth an ``fsync``.

Size: after a flush that wrote entries, if the payloads total more than
:data:`MAX_TOTAL` the oldest rows are deleted down to three quarters of it;
``auto_vacuum=FULL`` gives the space back to the file system.

Location: ``$POLICYGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/policygen``, else
``~/.cache/policygen``. ``POLICYGEN_NO_CACHE`` set to ``1``, ``true`` or
``yes`` turns it off (any other value, ``0`` included, leaves it on).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import __version__

#: Part of every row's seal: rows written by another format never verify.
MAGIC = b"policygen-cache 3\n"
#: The database file inside the cache folder.
DB_NAME = "policygen-cache-3.sqlite3"
#: Largest entry read or written, in bytes (the parsed 10x library is about 3 MB).
MAX_ENTRY = 32 * 1024 * 1024
#: After a flush, the oldest rows are deleted down to 3/4 of this when the payloads total more.
MAX_TOTAL = 256 * 1024 * 1024
#: A database file bigger than this is not opened (it is deleted and started afresh).
MAX_FILE = 2 * MAX_TOTAL
#: Pending entries are written once they total more than this.
FLUSH_BYTES = 16 * 1024 * 1024
_BUSY_TIMEOUT = 2.0
_DIGEST_LEN = 64
_TRUE = ("1", "true", "yes")
_TABLE_SQL = (
    "CREATE TABLE entries (kind TEXT NOT NULL, digest TEXT NOT NULL, seal TEXT NOT NULL,"
    " payload BLOB NOT NULL, stored INTEGER NOT NULL, UNIQUE (kind, digest))"
)
#: Exactly what ``sqlite_master`` holds in a database of ours.
_SCHEMA = {("table", "entries", "entries", _TABLE_SQL), ("index", "sqlite_autoindex_entries_1", "entries", None)}


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


def _seal(kind: str, digest: str, payload: bytes) -> str:
    return hashlib.sha256(MAGIC + kind.encode() + b"\x00" + digest.encode("ascii") + b"\x00" + payload).hexdigest()


def _valid(kind: str, digest: str) -> bool:
    return kind.isidentifier() and len(digest) == _DIGEST_LEN and not digest.strip("0123456789abcdef")


# -- the database --------------------------------------------------------------------------------


class _Store:
    """The cache folder in use, its connection (opened on first need) and the entries not yet written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pid = os.getpid()
        self.conn: Any = None  # sqlite3.Connection, once opened
        self.absent = False  # no database yet: every load misses until a flush makes one
        self.broken = False  # folder or file unusable: no cache (reads or writes) for this run
        self.pending: dict[tuple[str, str], bytes] = {}
        self.pending_bytes = 0


_lock = threading.RLock()
_current: _Store | None = None


def _store_for(folder: Path) -> _Store:
    """Return the store for ``folder``, flushing and closing the previous one when the folder changed."""
    global _current
    if _current is not None and _current.pid != os.getpid():  # a forked child: never share a connection
        _current.conn = None
        _current.pending.clear()
        _current = None
    if _current is None or _current.folder != folder:
        if _current is not None:
            _flush(_current)
            _close(_current)
        _current = _Store(folder)
    return _current


def _close(st: _Store) -> None:
    if st.conn is not None:
        with contextlib.suppress(Exception):
            st.conn.close()
        st.conn = None


def _folder_ok(folder: Path) -> bool:
    """Tell whether ``folder`` is a real directory (not a link) owned by this user."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and (not hasattr(os, "geteuid") or info.st_uid == os.geteuid())


def _remove_db(st: _Store) -> None:
    """Delete our database (and its journal), but only regular files we own inside the checked folder."""
    _close(st)
    for name in (DB_NAME, DB_NAME + "-journal", DB_NAME + "-wal", DB_NAME + "-shm"):
        path = st.folder / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and (not hasattr(os, "geteuid") or info.st_uid == os.geteuid()):
            with contextlib.suppress(OSError):
                os.unlink(path)


def _file_state(path: Path) -> str:
    """``missing``, ``ok``, ``remove`` (a regular file of ours that is too big) or ``bad`` (never touched)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "bad"
    if not stat.S_ISREG(info.st_mode) or (hasattr(os, "geteuid") and info.st_uid != os.geteuid()):
        return "bad"
    return "remove" if info.st_size > MAX_FILE else "ok"


class _NotOurs(Exception):
    """The database holds something other than exactly our table (a trigger, a view, another table)."""


def _is_corrupt(error: Exception) -> bool:
    if isinstance(error, _NotOurs):
        return True
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in str(error)


def _connect(st: _Store, create: bool) -> Any:
    """Open (and with ``create``, make) the database; None when there is none or it cannot be used."""
    if st.conn is not None:
        return st.conn
    if st.broken or (st.absent and not create):
        return None
    if create:
        try:
            st.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            st.broken = True
            return None
    elif not st.folder.exists():
        st.absent = True
        return None
    if not _folder_ok(st.folder):
        st.broken = True
        return None
    path = st.folder / DB_NAME
    state = _file_state(path)
    if state == "bad":
        st.broken = True
        return None
    if state == "remove":
        _remove_db(st)
        state = "missing"
    if state == "missing" and not create:
        st.absent = True
        return None
    import sqlite3  # here, not at the top: a run that never opens the cache does not pay for it

    for attempt in range(2):
        try:
            conn = sqlite3.connect(str(path), timeout=_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            st.broken = True
            return None
        try:
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_ENTRY + 4096)
            for pragma in ("trusted_schema=OFF", "cell_size_check=ON", "mmap_size=0", "synchronous=OFF"):
                conn.execute(f"PRAGMA {pragma}")
            schema = set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
            if not schema and create:
                conn.execute("PRAGMA auto_vacuum=FULL")  # only takes effect before the first table
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(_TABLE_SQL.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))
                    conn.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
                schema = set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
            if schema != _SCHEMA:
                if not schema:  # an empty file (another process is creating it): nothing to read yet
                    conn.close()
                    st.absent = True
                    return None
                raise _NotOurs
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "delete":  # no WAL and shared-memory file
                raise _NotOurs
        except (sqlite3.Error, _NotOurs) as error:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            if not _is_corrupt(error):  # locked past the timeout, I/O error: no cache for the rest of the run
                st.broken = True
                return None
            _remove_db(st)
            if create and attempt == 0:
                continue
            st.absent = not create
            st.broken = create
            return None
        st.conn = conn
        st.absent = False
        return conn
    return None


# -- reading and writing ---------------------------------------------------------------------------


def load(kind: str, digest: str) -> bytes | None:
    """Return a cached entry's payload, or None (a miss) when it is absent or fails any check."""
    folder = cache_dir()
    if folder is None or not _valid(kind, digest):
        return None
    with _lock:
        st = _store_for(folder)
        pending = st.pending.get((kind, digest))
        if pending is not None:
            return pending
        conn = _connect(st, create=False)
        if conn is None:
            return None
        try:
            rows = conn.execute(
                "SELECT seal, payload FROM entries WHERE kind = ? AND digest = ?", (kind, digest)
            ).fetchall()
        except Exception as error:  # sqlite3.Error, MemoryError: a miss
            if _is_corrupt(error):
                _remove_db(st)
                st.absent = True
            elif getattr(error, "sqlite_errorname", "") == "SQLITE_TOOBIG" or isinstance(error, MemoryError):
                pass  # a row longer than any entry we write: this entry is a miss
            else:  # locked past the timeout: stop waiting on the cache for the rest of the run
                _close(st)
                st.broken = True
            return None
    if len(rows) != 1:
        return None
    seal, payload = rows[0]
    if not isinstance(payload, bytes) or not isinstance(seal, str) or seal != _seal(kind, digest, payload):
        return None
    return payload


def store(kind: str, digest: str, data: bytes) -> None:
    """Queue an entry for the next :func:`flush`; ignore any failure."""
    folder = cache_dir()
    if folder is None or len(data) > MAX_ENTRY or not _valid(kind, digest):
        return
    with _lock:
        st = _store_for(folder)
        if st.broken:
            return
        old = st.pending.get((kind, digest))
        st.pending[(kind, digest)] = bytes(data)
        st.pending_bytes += len(data) - (len(old) if old is not None else 0)
        if st.pending_bytes > FLUSH_BYTES:
            _flush(st)


def flush() -> None:
    """Write the entries stored so far in one transaction (then prune); ignore any failure."""
    with _lock:
        if _current is not None and _current.pid == os.getpid():
            _flush(_current)


atexit.register(flush)


def close() -> None:
    """Flush, then close the database; the next use opens and checks it afresh."""
    global _current
    with _lock:
        if _current is not None and _current.pid == os.getpid():
            _flush(_current)
            _close(_current)
        _current = None


def _flush(st: _Store) -> None:
    if not st.pending:
        return
    rows = list(st.pending.items())
    st.pending.clear()
    st.pending_bytes = 0
    now = time.time_ns()
    for attempt in range(2):
        conn = _connect(st, create=True)
        if conn is None:
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    "INSERT OR REPLACE INTO entries (kind, digest, seal, payload, stored) VALUES (?, ?, ?, ?, ?)",
                    [(kind, digest, _seal(kind, digest, data), data, now) for (kind, digest), data in rows],
                )
                _prune(conn, MAX_TOTAL)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
                raise
            return
        except Exception as error:  # locked past the timeout, disk full, a damaged file: skip the write
            if _is_corrupt(error) and attempt == 0:
                _remove_db(st)
                continue
            st.broken = not _is_corrupt(error)
            return


def _prune(conn: Any, limit: int) -> int:
    """Delete the oldest rows down to 3/4 of ``limit`` when the payloads total more; return bytes freed."""
    total = conn.execute("SELECT coalesce(sum(length(payload)), 0) FROM entries").fetchone()[0]
    if total <= limit:
        return 0
    doomed = []
    freed = 0
    for rowid, size in conn.execute("SELECT rowid, length(payload) FROM entries ORDER BY stored, rowid"):
        if total - freed <= limit * 3 // 4:
            break
        doomed.append((rowid,))
        freed += size
    conn.executemany("DELETE FROM entries WHERE rowid = ?", doomed)
    return freed


def prune(folder: Path, limit: int = MAX_TOTAL) -> int:
    """Delete the oldest entries until the cache is at most 3/4 of ``limit``; return bytes freed.

    Entries still waiting in memory are written first (when ``folder`` is the one in use).
    """
    with _lock:
        st = _store_for(Path(folder))
        _flush(st)
        conn = _connect(st, create=False)
        if conn is None:
            return 0
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                freed = _prune(conn, limit)
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
                raise
        except Exception:
            return 0
        return freed


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
