"""Write generated files safely: all or nothing, never over a user's file without force.

Every command that writes files (``generate`` with its lockfile, ``diff -o``,
``review``, ``coverage -o``, ``init``) goes through :func:`commit`. One call is
one transaction over one or more folders:

1. **Lock.** Each folder is created if missing (with the process umask, like
   ``mkdir``) and locked with ``flock`` on the folder itself, so two runs into
   the same folder take turns: the check that files exist and the write are
   one atomic step, and exactly one of several runs into a new folder wins.
2. **Recover.** A journal left by a run that was killed (``SIGKILL``, power
   cut) in the middle of its final renames is rolled back first.
3. **Check.** Every target is checked before anything is written: existing
   files (links too, even dangling ones) are refused without ``force``; a
   folder where a file belongs, or a link or file where a folder belongs, is
   refused always. Nothing is ever written through a link.
4. **Stage.** A journal naming every file is written, then each new file is
   written under a hidden temporary name in the folder it belongs in (so
   the final ``rename`` never crosses a device, even when the output folder
   is a mount point or its parent is read-only), and ``fsync``-ed before any
   file is renamed into place (a few hundred at a time, in parallel, so they
   share the file system's journal commits). Files named
   up front but produced later (:class:`Later`: a batch builds one profile
   at a time) are produced here, each batch of files staged and released
   as soon as it is built, so memory does not grow with the batch.
5. **Swap.** With SIGINT, SIGTERM and SIGHUP held back, each existing file is
   renamed to a backup name and the new one renamed into place. If any step
   fails, every file is put back as it was, byte for byte. A signal that
   arrives during the swap is delivered as soon as the swap is complete.
6. **Clean.** The journal is marked done, backups are removed, the journal is
   removed.

Staging failures (a folder that cannot be written, a full disk, Ctrl-C while
writing) leave the output exactly as it was and remove what was staged.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import OutputError, Problem

try:  # POSIX; elsewhere runs are not serialised against each other
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

#: Prefix of every temporary name the writer uses; output files may not start with it.
PREFIX = ".policygen-"
#: Seconds to wait for another run to finish writing into the same folder.
LOCK_TIMEOUT = 120.0

_JOURNAL = re.compile(r"\.policygen-txn-([0-9a-f]{12})\.json")
_JOURNAL_MAX = 16 * 1024 * 1024
_committed: list[Written] = []


def safe_name(name: str) -> str:
    """Turn a profile stem into a safe folder name (no separators, no dots first)."""
    cleaned = _SAFE.sub("-", name).strip("-.") or "profile"
    return cleaned[:80]


@dataclass(frozen=True)
class Later:
    """Files named now and built while staging: ``produce()`` returns exactly ``names`` (path -> bytes).

    It is called once, after every target has been checked, and its files
    are staged and released before the next ``Later`` is produced. An
    exception it raises rolls the whole transaction back.
    """

    names: tuple[str, ...]
    produce: Callable[[], Mapping[str, bytes]]


@dataclass(frozen=True)
class Target:
    """Files to write under one folder.

    Attributes:
        folder: The folder (created when missing).
        files: Relative POSIX path -> bytes.
        force: Replace existing files; without it any existing file is an error.
        later: Files named up front and built during staging, in order.
    """

    folder: Path
    files: Mapping[str, bytes]
    force: bool = False
    later: Sequence[Later] = ()


def write_files(out_dir: str | Path, files: Mapping[str, bytes], *, force: bool) -> Written:
    """Write ``files`` (relative path -> bytes) under ``out_dir`` as one transaction.

    Raises:
        OutputError: when files exist (without ``force``) or cannot be written;
            nothing was written or changed then.
    """
    return commit([Target(Path(out_dir), files, force)])


def write_file(path: str | Path, data: bytes, *, force: bool) -> Path:
    """Write one file atomically; never through a link; no overwrite without ``force``.

    Raises:
        OutputError: when ``path`` exists (without ``force``) or cannot be written.
    """
    path = Path(path)
    if path.name in ("", ".", ".."):
        raise OutputError(f"Cannot write {path}: not a file name")
    return commit([Target(path.parent, {path.name: data}, force)])[0]


def written_in_this_process() -> list[Path]:
    """Return every file a completed :func:`commit` wrote in this process (for honest interrupt messages)."""
    return [path for paths in _committed for path in paths]


class Written(Sequence[Path]):
    """The paths a :func:`commit` wrote, as a read-only list whose paths are made when asked for.

    A batch of thousands of profiles writes hundreds of thousands of files;
    holding a ``Path`` for each at the end of the run cost more memory than
    any one profile's build.
    """

    def __init__(self, groups: Sequence[tuple[Path, Sequence[str]]] = ()) -> None:
        self._groups = [(folder, tuple(rels)) for folder, rels in groups]
        self._len = sum(len(rels) for _, rels in self._groups)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Path]:
        for folder, rels in self._groups:
            for rel in rels:
                yield folder / rel

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (int or slice, as a list)
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("written path index out of range")
        for folder, rels in self._groups:
            if index < len(rels):
                return folder / rels[index]
            index -= len(rels)
        raise IndexError("written path index out of range")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Written | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Written({list(self)!r})"


# -- the transaction ---------------------------------------------------------------------------


@dataclass(slots=True)  # a batch of 5,000 profiles has 55,000 entries
class _Entry:
    rel: str
    data: bytes | None  # None: produced by ``later`` during staging; emptied once staged
    force: bool
    exists: bool = False
    later: Later | None = None


@dataclass
class _Group:
    """One folder of a transaction (targets naming the same folder are merged)."""

    folder: Path
    fd: int
    entries: list[_Entry] = field(default_factory=list)
    new_dirs: list[str] = field(default_factory=list)
    txid: str = ""
    state: str = ""  # "", "staging", "commit", "done"

    def journal(self) -> Path:
        return self.folder / f"{PREFIX}txn-{self.txid}.json"


def commit(targets: Sequence[Target]) -> Written:
    """Write every target's files as one all-or-nothing step; return the paths written.

    Raises:
        OutputError: when a file exists (without ``force``), a target is not
            writable, or a rename fails; the output is then exactly as before.
        KeyboardInterrupt: on Ctrl-C or SIGTERM (as the signal handler
            raises it); the output is then exactly as before, unless the
            signal came after the swap, when :func:`written_in_this_process`
            lists the files.
    """
    for t in targets:
        for rel in [*t.files, *(n for lt in t.later for n in lt.names)]:
            _check_rel(rel, t.folder)
    created: list[Path] = []
    groups: list[_Group] = []
    written = Written()
    try:
        groups = _lock_groups(targets, created)
        for g in groups:
            _recover(g.folder)
        _plan(groups)
        try:
            _stage(groups)
            with _signals_held() as caught:
                try:
                    _swap(groups)
                except BaseException:
                    _undo(groups)
                    raise
                interrupted = bool(caught)
                if interrupted:  # Ctrl-C or SIGTERM during the swap: honour it by putting everything back
                    _undo(groups)
                else:
                    _finish(groups)
                    written = Written([(g.folder, [e.rel for e in g.entries]) for g in groups])
                    _committed.append(written)
            if interrupted:  # the signal's handler returned instead of stopping the run
                raise OutputError("Interrupted; nothing was written or changed")
        except BaseException:
            with _signals_held():
                _undo(groups)
            raise
    except BaseException as exc:
        if not written:
            for path in reversed(created):  # folders this run made, if still empty
                with contextlib.suppress(OSError):
                    path.rmdir()
        if isinstance(exc, OSError):
            where = exc.filename or targets[0].folder
            raise OutputError(f"Cannot write to {where}: {exc.strerror or exc}; nothing was written") from None
        raise
    finally:
        for g in groups:
            with contextlib.suppress(OSError):
                os.close(g.fd)
    return written


def _undo(groups: list[_Group]) -> None:
    """Put every folder back as it was before this transaction (once; later calls do nothing)."""
    for g in reversed(groups):
        if g.state in ("staging", "commit"):
            _rollback(g.folder, g.txid, [e.rel for e in g.entries], g.new_dirs, g.state)
            g.state = ""


def _check_rel(rel: str, folder: Path) -> None:
    parts = PurePosixPath(rel).parts
    if (
        not rel
        or "\x00" in rel
        or "\\" in rel
        or PurePosixPath(rel).is_absolute()
        or any(p in (".", "..") or p.startswith(PREFIX) for p in parts)
        or "/".join(parts) != rel
    ):
        raise OutputError(f"Refusing to write outside {folder}: {rel!r}")


def _mkdirs(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` and missing parents (umask applies), remembering which this run made."""
    missing = []
    p = folder
    while not os.path.lexists(p) and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d)
            created.append(d)
        except FileExistsError:
            pass
        except OSError as exc:
            raise OutputError(f"Cannot create output folder {d}: {exc.strerror}") from None
    if not folder.is_dir():
        raise OutputError(f"Output path {folder} exists and is not a folder")


def _lock_groups(targets: Sequence[Target], created: list[Path]) -> list[_Group]:
    """Create, open and lock every target folder; merge targets that name the same folder."""
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        groups: dict[tuple[int, int], _Group] = {}
        try:
            for t in targets:
                folder = Path(t.folder)
                _mkdirs(folder, created)
                try:
                    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
                except OSError as exc:
                    raise OutputError(f"Cannot open output folder {folder}: {exc.strerror}") from None
                st = os.fstat(fd)
                key = (st.st_dev, st.st_ino)
                if key in groups:
                    os.close(fd)
                else:
                    groups[key] = _Group(folder, fd)
                g = groups[key]
                seen = {e.rel for e in g.entries}
                for rel, data in t.files.items():
                    if rel in seen:
                        raise OutputError(f"Two outputs would both be written to {folder / rel}")
                    seen.add(rel)
                    g.entries.append(_Entry(rel, bytes(data), t.force))
                for later in t.later:
                    for rel in later.names:
                        if rel in seen:
                            raise OutputError(f"Two outputs would both be written to {folder / rel}")
                        seen.add(rel)
                        g.entries.append(_Entry(rel, None, t.force, later=later))
            ordered = [groups[k] for k in sorted(groups)]  # one order for every run: no deadlock
            if all(_lock(g, deadline) for g in ordered):
                return ordered
        except BaseException:
            for g in groups.values():
                with contextlib.suppress(OSError):
                    os.close(g.fd)
            raise
        for g in groups.values():  # a folder was removed or replaced while we waited: start again
            with contextlib.suppress(OSError):
                os.close(g.fd)
        if time.monotonic() > deadline:
            raise OutputError(f"Output folder {targets[0].folder} keeps being replaced; nothing was written")


def _lock(g: _Group, deadline: float) -> bool:
    """Lock one folder; False when the path no longer names the folder that was locked."""
    if fcntl is not None:
        while True:
            try:
                fcntl.flock(g.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() > deadline:
                raise OutputError(
                    f"Another policygen run has been writing to {g.folder} for {LOCK_TIMEOUT:.0f} s; "
                    "nothing was written. Try again when it has finished."
                )
            time.sleep(0.02)
    try:
        now = os.stat(g.folder)
    except OSError:
        return False
    st = os.fstat(g.fd)
    return (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)


def _plan(groups: list[_Group]) -> None:
    """Check every target before anything is written; note which exist and which folders to make."""
    exists: list[Path] = []
    for g in groups:
        new_dirs: set[str] = set()
        for e in g.entries:
            parts = PurePosixPath(e.rel).parts
            for i in range(1, len(parts)):
                sub = "/".join(parts[:i])
                if sub in new_dirs:
                    continue
                st = _lstat(g.folder / sub)
                if st is None:
                    new_dirs.add(sub)
                elif not stat.S_ISDIR(st.st_mode):
                    kind = "a link" if stat.S_ISLNK(st.st_mode) else "not a folder"
                    raise OutputError(
                        f"Cannot write {g.folder / e.rel}: {g.folder / sub} is {kind}; nothing was written"
                    )
            st = None if any(d in new_dirs for d in _prefixes(parts)) else _lstat(g.folder / e.rel)
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise OutputError(f"Cannot replace {g.folder / e.rel}: it is a folder; nothing was written")
            e.exists = st is not None
            if e.exists and not e.force:
                exists.append(g.folder / e.rel)
        g.new_dirs = sorted(new_dirs, key=lambda d: (d.count("/"), d))
    if len(exists) == 1 and sum(len(g.entries) for g in groups) == 1:
        raise OutputError(f"{exists[0]} already exists; nothing was written; use --force to replace it")
    if exists:
        where = exists[0].parent if len({p.parent for p in exists}) == 1 else groups[0].folder
        raise OutputError(
            f"{len(exists)} output file(s) already exist in {where}; nothing was written. "
            "Use --force to replace them, or -o to choose another folder.",
            [Problem(str(p), "", "exists") for p in exists[:20]],
        )


def _prefixes(parts: tuple[str, ...]) -> list[str]:
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _tmp(folder: Path, rel: str, txid: str, kind: str, index: int) -> Path:
    """Return the hidden name beside the target for its staged (``new``) or replaced (``old``) file."""
    return (folder / rel).parent / f"{PREFIX}{kind}-{txid}-{index}"


def _write_journal(g: _Group, state: str) -> None:
    """Write the journal for ``state`` atomically (temporary file, then rename).

    The group's state is set first for ``staging`` and ``commit``, so a
    signal between the rename and the end of this function still lets the
    rollback find (and remove) the journal; rolling back in ``commit`` state
    is safe as soon as staging is complete.
    """
    if state != "done":
        g.state = state
    data = json.dumps(
        {"state": state, "files": [e.rel for e in g.entries], "dirs": g.new_dirs}, ensure_ascii=False
    ).encode("utf-8")
    tmp = g.folder / f"{PREFIX}txn-{g.txid}.tmp"
    _create(tmp, data)
    os.replace(tmp, g.journal())
    _fsync_dir(g.folder)
    g.state = state


def _create(path: Path, data: bytes, sync: bool = True) -> None:
    """Create a new file (never an existing one, never through a link), write and (unless not ``sync``) fsync it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


#: Staged files synced together (in parallel past a few dozen), so a batch's hundreds of fsyncs share
#: the file system's journal commits instead of waiting for one each.
_SYNC_BATCH = 256


def _sync_files(paths: list[Path]) -> None:
    """Flush staged files to disk before any of them is renamed into place; empties ``paths``."""

    def sync(path: Path) -> None:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if len(paths) > 32:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(sync, paths))
    else:
        for path in paths:
            sync(path)
    paths.clear()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stage(groups: list[_Group]) -> None:
    for g in groups:
        g.txid = secrets.token_hex(6)
        _write_journal(g, "staging")
        for d in g.new_dirs:
            os.mkdir(g.folder / d)
    unsynced: list[Path] = []
    for g in groups:
        produced: dict[str, bytes] = {}
        current: Later | None = None
        for i, e in enumerate(g.entries):
            if e.data is None and e.later is not None:
                if e.later is not current:
                    current = e.later
                    produced = dict(current.produce())
                    if sorted(produced) != sorted(current.names):
                        raise OutputError(
                            f"Internal error: expected to build {sorted(current.names)}, built {sorted(produced)}; "
                            "nothing was written"
                        )
                data = produced.pop(e.rel)
            else:
                data = e.data or b""
            staged = _tmp(g.folder, e.rel, g.txid, "new", i)
            _create(staged, data, sync=False)
            e.data = b""  # staged: the bytes are on disk, memory is released
            unsynced.append(staged)
            if len(unsynced) >= _SYNC_BATCH:
                _sync_files(unsynced)
    _sync_files(unsynced)  # every staged file is on disk before the first rename


def _swap(groups: list[_Group]) -> None:
    for g in groups:
        _write_journal(g, "commit")
    for g in groups:
        for i, e in enumerate(g.entries):
            dest = g.folder / e.rel
            if e.exists:
                os.rename(dest, _tmp(g.folder, e.rel, g.txid, "old", i))
            os.rename(_tmp(g.folder, e.rel, g.txid, "new", i), dest)
    for g in groups:
        for d in {(g.folder / e.rel).parent for e in g.entries}:
            _fsync_dir(d)


def _finish(groups: list[_Group]) -> None:
    """Make the swap permanent: mark each journal done, drop the backups, drop the journal.

    Failures here are ignored: the new files are in place either way, and a
    journal marked done only tells the next run to tidy up.
    """
    for g in groups:
        try:
            _write_journal(g, "done")
        except OSError:
            try:
                os.unlink(g.journal())  # without a journal the backups are only litter
            except OSError:
                continue  # the journal still says "commit": keep the backups it would restore
        g.state = "done"
        with contextlib.suppress(OSError):
            _rollback(g.folder, g.txid, [e.rel for e in g.entries], g.new_dirs, "done")


def _rollback(folder: Path, txid: str, rels: list[str], new_dirs: list[str], state: str) -> None:
    """Undo (or, once ``done``, tidy up) one folder's part of a transaction, from what is on disk.

    In ``commit`` state a missing staged file means it was renamed into place,
    and a backup means the old file was moved aside: both are put back.
    """
    if not txid:
        return
    for i in reversed(range(len(rels))):
        rel = rels[i]
        new, old, dest = _tmp(folder, rel, txid, "new", i), _tmp(folder, rel, txid, "old", i), folder / rel
        if state == "done":
            for leftover in (old, new):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
            continue
        if state == "commit" and not os.path.lexists(new) and os.path.lexists(dest):
            os.unlink(dest)  # ours: the staged file was renamed into place
        if state == "commit" and os.path.lexists(old):
            os.rename(old, dest)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(new)
    if state != "done":
        for d in reversed(new_dirs):
            with contextlib.suppress(OSError):
                os.rmdir(folder / d)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / f"{PREFIX}txn-{txid}.json")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / f"{PREFIX}txn-{txid}.tmp")
    _fsync_dir(folder)


def _recover(folder: Path) -> None:
    """Roll back what a killed run left half-done in ``folder`` (called with the folder locked)."""
    for name in sorted(os.listdir(folder)):
        if not name.startswith(PREFIX + "txn-"):
            continue
        path = folder / name
        if name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(path)
            continue
        m = _JOURNAL.fullmatch(name)
        st = _lstat(path)
        try:
            if not m or st is None or not stat.S_ISREG(st.st_mode) or st.st_size > _JOURNAL_MAX:
                raise ValueError("not a journal")
            record = json.loads(path.read_bytes())
            state, rels, dirs = record["state"], record["files"], record["dirs"]
            if state not in ("staging", "commit", "done") or not all(isinstance(r, str) for r in [*rels, *dirs]):
                raise ValueError("bad journal")
            for rel in [*rels, *dirs]:
                _check_rel(rel, folder)
        except (ValueError, KeyError, TypeError, OutputError):
            raise OutputError(
                f"{path} is left from an interrupted policygen run but cannot be read; "
                "check the folder and remove it. Nothing was written."
            ) from None
        _rollback(folder, m.group(1), rels, dirs, state)


# -- signals -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold SIGINT, SIGTERM and SIGHUP back for the block; deliver them when it ends.

    Yields the list of signals held so far, so the block can react to them.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught  # signals go to the main thread, never interrupting this one
        return
    previous: dict[int, object] = {}

    def hold(signum: int, frame: object) -> None:
        caught.append(signum)

    try:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) not in (None, signal.SIG_IGN):
                previous[sig] = signal.signal(sig, hold)
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        if caught:
            signal.raise_signal(caught[0])
