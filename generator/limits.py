"""Bounds on work done for untrusted input: time, size and depth.

Clause libraries and template folders may be hostile. Rendering one clause
(its Jinja template, then its Markdown) runs under :func:`time_limit`: past
the limit a :class:`LimitExceeded` is raised inside the work. In the main
thread the limit is a real-time interval timer (``SIGALRM``), so even a tight
loop is stopped; elsewhere (a library user's worker thread) the deadline is
checked at every template call and output chunk.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

#: Seconds one clause (or skeleton text, or the HTML page) may take to render and parse.
RENDER_SECONDS = 2.0
#: Characters of text any one template value, macro result or rendered clause may reach.
MAX_TEXT = 1_000_000
#: Nested template calls (macros calling macros) allowed.
MAX_CALL_DEPTH = 50
#: Nesting of lists and emphasis a Markdown body may use.
MAX_MARKDOWN_DEPTH = 20


class LimitExceeded(Exception):  # noqa: N818
    """Work on untrusted input went past a bound; ``str()`` says which.

    The timer repeats every 0.1 s past the deadline, so code that swallows
    exceptions (``except Exception``) cannot outlive the limit.
    """


_state = threading.local()


def deadline() -> float | None:
    """Return the monotonic time the current bounded work must end by, if any."""
    return getattr(_state, "deadline", None)


def check_deadline() -> None:
    """Raise :class:`LimitExceeded` when the current bounded work is past its deadline."""
    end = getattr(_state, "deadline", None)
    if end is not None and time.monotonic() > end:
        raise LimitExceeded(f"took longer than {RENDER_SECONDS:g} s")


def _on_alarm(signum: int, frame: object) -> None:
    if getattr(_state, "deadline", None) is not None:
        raise LimitExceeded(f"took longer than {RENDER_SECONDS:g} s")


@contextlib.contextmanager
def time_limit(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """Bound the work in the ``with`` block to ``seconds`` (nested uses keep the outer limit)."""
    if getattr(_state, "deadline", None) is not None:
        yield
        return
    use_alarm = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    previous = None
    _state.deadline = time.monotonic() + seconds
    _state.depth = 0
    try:
        if use_alarm:
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
        yield
    finally:
        _state.deadline = None  # first: from here on a late alarm does nothing
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


@contextlib.contextmanager
def call_depth() -> Iterator[None]:
    """Count one nested template call; raise past :data:`MAX_CALL_DEPTH`."""
    depth = getattr(_state, "depth", 0) + 1
    if depth > MAX_CALL_DEPTH:
        raise LimitExceeded(f"calls macros more than {MAX_CALL_DEPTH} levels deep (recursion?)")
    _state.depth = depth
    try:
        yield
    finally:
        _state.depth = depth - 1
