"""From a profile and a library to the document model.

Lives here: choosing clauses (``selection.py``); document skeletons
(``skeletons.py``); Markdown to the document model (``mdparse.py``); the
document model every renderer reads (``model.py``); building a document from
selected clauses (``assemble.py``); and the SOP routing table
(``routing.py``).

May import: ``profile``, ``library`` and the infrastructure. It never imports
``render``, ``review`` or ``checks``.
"""

from .assemble import assemble
from .mdparse import MarkdownProblem, parse_markdown
from .model import Block, Document, ListBlock, Paragraph, Span, block_text, plain_text, safe_href
from .routing import quick_reference, routing_json, routing_table, unscoped_obligations
from .selection import Decision, select
from .skeletons import Templates, load_templates

__all__ = [
    "Block",
    "Decision",
    "Document",
    "ListBlock",
    "MarkdownProblem",
    "Paragraph",
    "Span",
    "Templates",
    "assemble",
    "block_text",
    "load_templates",
    "parse_markdown",
    "plain_text",
    "quick_reference",
    "routing_json",
    "routing_table",
    "safe_href",
    "select",
    "unscoped_obligations",
]
