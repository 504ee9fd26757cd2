"""The clause library: loading, conditions, sources and sandboxed templating.

Lives here: clause files and the library (``clauses.py``); the ``when``
condition language (``conditions.py``); libraries from folders, ``git:``
revisions and lockfiles (``sources.py``); and the one sandboxed Jinja2
environment factory with the template search path (``templating.py``).

May import: ``profile`` and the infrastructure (``errors``, ``cache``). It
never imports ``documents``, ``render``, ``review`` or ``checks``.
"""

from .clauses import Clause, Library, builtin_root, load_library
from .conditions import CLAIM_PREFIXES, FACT_DOCS, FACTS, claim_holds, claims_reason, evaluate, mentioned
from .sources import library_source, lock_bytes
from .templating import Skeleton, Templates, clause_context, make_env, render_text, syntax_problems

__all__ = [
    "CLAIM_PREFIXES",
    "Clause",
    "FACTS",
    "FACT_DOCS",
    "Library",
    "Skeleton",
    "Templates",
    "builtin_root",
    "claim_holds",
    "claims_reason",
    "clause_context",
    "evaluate",
    "library_source",
    "load_library",
    "lock_bytes",
    "make_env",
    "mentioned",
    "render_text",
    "syntax_problems",
]
