"""Checks over a library or a build.

Lives here: library checks (``lint.py``); service x jurisdiction coverage,
dead clauses and unbacked promises (``coverage.py``); cross-document
consistency (``consistency.py``); and the readability score for the tips
(``readability.py``).

May import: ``profile``, ``library``, ``documents`` and the infrastructure. It
never imports ``render`` or ``review``.
"""

from .consistency import check_build, check_notices
from .lint import lint_library

__all__ = [
    "check_build",
    "check_notices",
    "lint_library",
]
