"""The intermediate document model every renderer reads.

Clause bodies are parsed from Markdown into these blocks once; the Markdown,
HTML and DOCX renderers all walk the same tree, so the three formats cannot
drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The link targets any document may carry; every other link is shown as plain text.
LINK_SCHEMES: tuple[str, ...] = ("https", "http", "mailto", "tel")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Browsers drop tabs and line breaks inside a URL and trim spaces and
# controls around it, so "java\tscript:" runs as "javascript:": refuse any
# href holding white space, a control character, a backslash or a format
# character (bidi marks, zero-width joiners) instead of guessing how it reads.
_UNSAFE_CHARS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\\\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def safe_href(href: str | None) -> str | None:
    """Return ``href`` when it is a link a document may carry, else None.

    Allowed: ``https://`` and ``http://`` addresses, ``mailto:`` and ``tel:``
    links, and in-page anchors (``#id``). Anything else (``javascript:``,
    ``data:``, ``vbscript:``, ``file:``, protocol-relative ``//host``, a
    relative path, or an href obfuscated with white space or control
    characters) is refused, whatever its letter case.
    """
    if not href or _UNSAFE_CHARS.search(href):
        return None
    if href.startswith("#"):
        return href
    m = _SCHEME.match(href)
    if m is None:
        return None
    scheme = m.group(1).lower()
    if scheme in ("http", "https"):
        rest = href[m.end() :]
        return href if rest.startswith("//") and len(rest) > 2 and rest[2] not in "/" else None
    return href if scheme in LINK_SCHEMES and len(href) > m.end() else None


@dataclass(frozen=True)
class Span:
    """A run of text with one style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None
    #: A reference to the document's note with this number (``Document.notes``); ``text`` is its mark.
    note: int | None = None


@dataclass(frozen=True)
class Note:
    """A numbered note (a footnote in Word): the citation behind a legal duty."""

    number: int
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline spans."""

    spans: tuple[Span, ...]


@dataclass(frozen=True)
class ListItem:
    """A list item: its text and any nested blocks (paragraphs, lists)."""

    spans: tuple[Span, ...]
    children: tuple[Block, ...] = ()


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list; a checklist is a bulleted list of boxes to tick."""

    ordered: bool
    items: tuple[ListItem, ...]
    checklist: bool = False


@dataclass(frozen=True)
class Table:
    """A table with a caption and a header row; each cell is a run of spans."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[Span, ...], ...], ...]


Block = Paragraph | ListBlock | Table


@dataclass
class ClauseBlock:
    """A clause as it appears in a document: numbered heading and body."""

    number: str
    id: str
    title: str
    blocks: list[Block]
    version: str = ""
    content_hash: str = ""


@dataclass
class Section:
    """A numbered section of a document."""

    number: str
    id: str
    title: str
    intro: list[Block] = field(default_factory=list)
    clauses: list[ClauseBlock] = field(default_factory=list)


@dataclass
class Document:
    """A complete document ready for rendering."""

    kind: str
    title: str
    company: str
    library_name: str
    library_version: str
    effective_date: str
    disclaimer: list[Block]
    intro: list[Block]
    sections: list[Section]
    appendices: list[Section] = field(default_factory=list)
    language: str = "en"
    meta: dict[str, str] = field(default_factory=dict)
    #: The document's own version (profile ``document.version``), not the clause library's.
    version: str = "1.0"
    #: ``a4`` or ``letter``: the Word and PDF page size.
    paper: str = "letter"
    #: Heading levels the Word contents list: 1 (sections) or 2 (sections and clauses).
    toc_depth: int = 2
    #: Numbered notes referred to by ``Span.note`` (footnotes in Word, a "Notes" list in HTML and Markdown).
    notes: list[Note] = field(default_factory=list)

    def all_sections(self) -> list[Section]:
        """Sections then appendices, in reading order."""
        return [*self.sections, *self.appendices]


def plain_text(spans: tuple[Span, ...] | list[Span]) -> str:
    """Concatenate the text of spans."""
    return "".join(s.text for s in spans)


def block_text(block: Block) -> str:
    """Return the plain text of a block (lists: one item per line)."""
    if isinstance(block, Paragraph):
        return plain_text(block.spans)
    if isinstance(block, Table):
        return "\n".join(" | ".join(plain_text(cell) for cell in row) for row in block.rows)
    lines = []
    for item in block.items:
        lines.append(plain_text(item.spans))
        lines.extend(block_text(child) for child in item.children)
    return "\n".join(lines)
