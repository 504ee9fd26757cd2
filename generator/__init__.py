"""policygen: child-safety terms, escalation SOPs and safety tips from a cited clause library.

The public API lives in :mod:`generator.api`; errors in :mod:`generator.errors`.
"""

__version__ = "0.1.0"
