"""Word-level redlines between two versions of a document.

Both documents are flattened into blocks (headings, paragraphs, list items);
blocks are aligned, and words are compared inside each pair of aligned
blocks, so a change never breaks the Markdown structure. The result renders
as Markdown and HTML with ``<ins>``/``<del>``, and as a Word document with
native tracked changes (``render/docx_redline.py``).

Invariant (tested): accepting every change gives exactly the new document's
blocks, rejecting every change exactly the old one's.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html import escape as html_escape

from ..documents import Block, Document, ListBlock, Paragraph, plain_text
from ..render.markdown import escape as md_escape

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Unit:
    """One block of a flattened document."""

    kind: str  # title | h1 | h2 | p | li
    text: str
    depth: int = 0
    ordered: bool = False


@dataclass
class RUnit:
    """A block of the redline: unchanged, inserted, deleted or changed."""

    kind: str
    depth: int
    ordered: bool
    status: str  # equal | insert | delete | change
    segments: list[tuple[str, str]] = field(default_factory=list)  # (op, text); op in "=", "+", "-"

    def new_text(self) -> str | None:
        """Return the block's text after accepting every change (None if deleted)."""
        return None if self.status == "delete" else "".join(t for op, t in self.segments if op != "-")

    def old_text(self) -> str | None:
        """Return the block's text after rejecting every change (None if inserted)."""
        return None if self.status == "insert" else "".join(t for op, t in self.segments if op != "+")


def flatten(doc: Document) -> list[Unit]:
    """Flatten a document into blocks in reading order."""
    units = [Unit("title", doc.title)]
    units += _blocks(doc.intro)
    for section in doc.sections:
        units.append(Unit("h1", f"{section.number}. {section.title}"))
        units += _blocks(section.intro)
        for clause in section.clauses:
            units.append(Unit("h2", f"{clause.number} {clause.title}"))
            units += _blocks(clause.blocks)
    for appendix in doc.appendices:
        units.append(Unit("h1", f"Appendix {appendix.number}. {appendix.title}"))
        units += _blocks(appendix.intro)
    return units


def _blocks(blocks: list[Block] | tuple[Block, ...], depth: int = 0) -> list[Unit]:
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(Unit("p", plain_text(block.spans), depth))
        elif isinstance(block, ListBlock):
            for item in block.items:
                out.append(Unit("li", plain_text(item.spans), depth, block.ordered))
                out += _blocks(item.children, depth + 1)
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Diff two texts word by word into (op, text) segments."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _push(out, "=", "".join(a[i1:i2]))
        else:
            _push(out, "-", "".join(a[i1:i2]))
            _push(out, "+", "".join(b[j1:j2]))
    return out


def _push(out: list[tuple[str, str]], op: str, text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))


def _similar(a: Unit, b: Unit) -> bool:
    if a.kind != b.kind:
        return False
    return difflib.SequenceMatcher(None, a.text, b.text, autojunk=False).ratio() >= 0.4


def redline(old: list[Unit], new: list[Unit]) -> list[RUnit]:
    """Align two flattened documents and diff the words of each aligned pair."""
    out: list[RUnit] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [RUnit(u.kind, u.depth, u.ordered, "equal", [("=", u.text)]) for u in new[j1:j2]]
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and j < j2 and _similar(old[i], new[j]):
                u = new[j]
                out.append(RUnit(u.kind, u.depth, u.ordered, "change", word_diff(old[i].text, u.text)))
                i += 1
                j += 1
            elif i < i2 and (j >= j2 or not any(_similar(old[i], n) for n in new[j:j2])):
                u = old[i]
                out.append(RUnit(u.kind, u.depth, u.ordered, "delete", [("-", u.text)]))
                i += 1
            else:
                u = new[j]
                out.append(RUnit(u.kind, u.depth, u.ordered, "insert", [("+", u.text)]))
                j += 1
    return out


def accept_all(units: list[RUnit]) -> list[str]:
    """Texts of the blocks after accepting every change."""
    return [t for t in (u.new_text() for u in units) if t is not None]


def reject_all(units: list[RUnit]) -> list[str]:
    """Texts of the blocks after rejecting every change."""
    return [t for t in (u.old_text() for u in units) if t is not None]


def has_changes(units: list[RUnit]) -> bool:
    """Whether any block differs."""
    return any(u.status != "equal" for u in units)


# -- Markdown and HTML ------------------------------------------------------------------

_MD_PREFIX = {"title": "# ", "h1": "## ", "h2": "### ", "p": ""}


def to_markdown(units: list[RUnit], heading: str) -> str:
    """Render a redline as Markdown with inline ``<ins>``/``<del>``."""
    # The heading names input files: it must not close the comment (no ">")
    # or break lines. Everything else in a redline is escaped text.
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", heading).replace("<", "&lt;").replace(">", "&gt;")
    chunks = [f"<!-- {shown} -->"]
    prev_li = False
    counters: list[int] = []
    for u in units:
        text = "".join(
            md_escape(t)
            if op == "="
            else f"<{'ins' if op == '+' else 'del'}>{md_escape(t)}</{'ins' if op == '+' else 'del'}>"
            for op, t in u.segments
        )
        if u.kind == "li":
            del counters[u.depth + 1 :]
            if not prev_li:
                counters.clear()
            while len(counters) <= u.depth:
                counters.append(0)
            counters[u.depth] += 1
            marker = f"{counters[u.depth]}. " if u.ordered else "- "
            line = "    " * u.depth + marker + text
            if prev_li:
                chunks[-1] += "\n" + line
            else:
                chunks.append(line)
            prev_li = True
        else:
            chunks.append(_MD_PREFIX[u.kind] + text)
            prev_li = False
    return "\n\n".join(chunks) + "\n"


_CSS = """
body{font:1rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:46rem;margin:0 auto;
padding:1.5rem 1.25rem;color:#1b1f24}
ins{background:#dff5e3;color:#0a4d1c;text-decoration:underline}
del{background:#fde2e1;color:#7a1212;text-decoration:line-through}
.legend{border:1px solid #c9ced6;padding:.5rem 1rem;background:#f3f5f8}
.changed{border-left:.25rem solid #8a5a00;padding-left:.5rem}
@media print{ins,del{background:none}}
"""


def to_html(units: list[RUnit], title: str) -> str:
    """Render a redline as a standalone HTML page."""
    body = []
    open_lists: list[str] = []

    def close_lists(depth: int) -> None:
        while len(open_lists) > depth:
            body.append(f"</{open_lists.pop()}>")

    tags = {"title": "h1", "h1": "h2", "h2": "h3", "p": "p"}
    for u in units:
        inner = "".join(
            html_escape(t, quote=False)
            if op == "="
            else f"<{'ins' if op == '+' else 'del'}>{html_escape(t, quote=False)}</{'ins' if op == '+' else 'del'}>"
            for op, t in u.segments
        )
        cls = ' class="changed"' if u.status != "equal" else ""
        if u.kind == "li":
            close_lists(u.depth + 1)
            while len(open_lists) < u.depth + 1:
                tag = "ol" if u.ordered else "ul"
                body.append(f"<{tag}>")
                open_lists.append(tag)
            body.append(f"<li{cls}>{inner}</li>")
        else:
            close_lists(0)
            body.append(f"<{tags[u.kind]}{cls}>{inner}</{tags[u.kind]}>")
    close_lists(0)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html_escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<p class="legend">Redline for legal review. <ins>Inserted text</ins> and <del>deleted text</del> '
        "are marked; changed blocks have a bar in the margin. Draft — not legal advice.</p>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
