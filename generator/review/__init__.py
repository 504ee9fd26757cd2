"""Legal review of library changes.

Lives here: the clause-level diff and change classification (``diff.py``);
word-level redlines (``redline.py``); the redline DOCX with native tracked
changes (``docx_redline.py``); diff output files and the review packet
(``packet.py``); and counsel's Word edits read back into clause patches
(``absorb.py``).

May import: ``profile``, ``library``, ``documents``, ``render`` and the
infrastructure. Nothing below the top floor imports it.
"""

from .diff import summary_json, summary_markdown
from .packet import Comparison, diff_files, packet_files, review_profile

__all__ = [
    "Comparison",
    "diff_files",
    "packet_files",
    "review_profile",
    "summary_json",
    "summary_markdown",
]
