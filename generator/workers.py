"""Build a batch's groups of profiles in short-lived child processes.

A long batch built in one process grows: every profile's temporary objects
(document trees, Word packages, parsed XML) leave the heap a little more
fragmented, and a batch of thousands ends far above where it started. Each
group of profiles is therefore built in a child process made with
``fork`` (it inherits the loaded library, the compiled templates and the
caches of the parent, so it starts at once), which writes what it built to a
private temporary file and ends; its memory goes with it. Two children run at
once, so a batch also uses both cores of a two-core machine. The parent only
reads each group's files, in order, and stages them; the output stays one
transaction (:mod:`generator.output`).

The files between parent and child are this process's own (``pickle`` of
plain results in a folder only this user can read, made for this run); no
file from elsewhere is ever unpickled.

Where ``fork`` is not available (Windows), or for one group, groups are
built in the process itself, as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import cache
from .errors import PolicyGenError

#: Children building at once (the machines policygen targets have two cores or more).
PARALLEL = 2
#: Seconds a child asked to stop may take to unwind before it is killed.
STOP_WAIT = 5.0


def can_fork() -> bool:
    """Tell whether groups can be built in child processes here (POSIX ``fork``)."""
    return hasattr(os, "fork") and os.environ.get("POLICYGEN_NO_FORK", "") not in ("1", "true", "yes")


class Workers:
    """Build ``len(jobs)`` groups with ``build(i)`` in child processes, at most :data:`PARALLEL` at once.

    ``build(i)`` returns any picklable value; :meth:`result` returns it in the
    parent (or raises the error the child raised). Group 0 is built in the
    parent itself, so the children inherit everything it loaded and compiled.
    Use as a context manager: leaving it stops and reaps any child still
    running and removes the temporary folder.
    """

    def __init__(self, count: int, build: Callable[[int], Any]) -> None:
        self.count = count
        self.build = build
        self.folder = Path(tempfile.mkdtemp(prefix="policygen-build-"))
        self.running: dict[int, int] = {}  # group -> child pid
        self.next_start = 1

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop any child still building and remove the temporary folder.

        A child is asked to stop first (SIGTERM: it unwinds, so a LibreOffice
        it started is stopped too) and killed if it has not ended within
        :data:`STOP_WAIT` seconds.
        """
        for pid in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for pid in self.running.values():
            with contextlib.suppress(ChildProcessError):
                while os.waitpid(pid, os.WNOHANG) == (0, 0):
                    if time.monotonic() > deadline:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        break
                    time.sleep(0.01)
        self.running.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def result(self, index: int) -> Any:
        """Return group ``index``'s result, building it (and starting the next groups) as needed.

        Raises:
            PolicyGenError: what the build of the group raised (a bug in a
                child is re-raised as a RuntimeError carrying its traceback).
        """
        if index == 0:
            value = self.build(0)  # in this process: warms the caches every child inherits
            self._top_up()
            return value
        self._top_up(until=index)
        pid = self.running.pop(index)
        _, status = os.waitpid(pid, 0)
        self._top_up()
        path = self.folder / f"{index}.pickle"
        try:
            kind, payload = pickle.loads(path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            code = os.waitstatus_to_exitcode(status)
            raise RuntimeError(f"building a group of profiles stopped unexpectedly (child exit {code})") from None
        finally:
            path.unlink(missing_ok=True)
        if kind == "ok":
            return payload
        if kind == "error":
            raise payload
        raise RuntimeError(f"building a group of profiles failed in a child process:\n{payload}")

    def _top_up(self, until: int = 0) -> None:
        """Start children for the next groups: at least up to ``until``, at most :data:`PARALLEL` running."""
        while self.next_start < self.count and (len(self.running) < PARALLEL or self.next_start <= until):
            self.running[self.next_start] = self._spawn(self.next_start)
            self.next_start += 1

    def _spawn(self, index: int) -> int:
        path = self.folder / f"{index}.pickle"
        pid = os.fork()
        if pid:
            return pid
        # the child: build, write the result, leave without running the parent's exit handlers
        code = 0
        try:
            # Ctrl-C or a stop: unwind (a LibreOffice this child started is stopped), then end
            signal.signal(signal.SIGINT, _interrupt)
            signal.signal(signal.SIGTERM, _interrupt)
            try:
                outcome: tuple[str, Any] = ("ok", self.build(index))
            except PolicyGenError as exc:
                outcome = ("error", exc)
            except Exception:  # noqa: BLE001 (a bug: the parent shows its traceback)
                outcome = ("bug", traceback.format_exc())
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 (an error that does not pickle)
                data = pickle.dumps(("bug", traceback.format_exc()))
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            cache.flush()  # what this child added to the cache; os._exit skips the exit handlers
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def groups_of(items: Sequence[Any], size: int) -> list[list[Any]]:
    """Split ``items`` into consecutive groups of at most ``size``."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
