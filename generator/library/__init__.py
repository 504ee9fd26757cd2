"""The clause library: loading, conditions, sources and sandboxed templating.

Lives here: clause files and the library (``clauses.py``); the ``when``
condition language (``conditions.py``); libraries from folders, ``git:``
revisions and lockfiles (``sources.py``); and the one sandboxed Jinja2
environment factory with the template search path (``templating.py``).

May import: ``profile`` and the infrastructure (``errors``, ``cache``). It
never imports ``documents``, ``render``, ``review`` or ``checks``.
"""

from .clauses import Clause, Library, builtin_root, load_library
from .conditions import FACT_DOCS, FACTS, evaluate, mentioned
from .sources import library_source, load_lock, lock_bytes, templates_digest
from .templating import Skeleton, Templates, clause_context, render_text, syntax_problems

__all__ = [
    "Clause",
    "FACTS",
    "FACT_DOCS",
    "Library",
    "Skeleton",
    "Templates",
    "builtin_root",
    "clause_context",
    "evaluate",
    "library_source",
    "load_library",
    "load_lock",
    "lock_bytes",
    "mentioned",
    "render_text",
    "syntax_problems",
    "templates_digest",
]
