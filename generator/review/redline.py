"""Word-level redlines between two versions of a document, as generated.

Both documents are flattened into blocks in reading order: the cover (title,
company, document, library version, effective date, draft notice and
disclaimer), headings, paragraphs, list items, table captions and table rows
(the SOP quick-reference tables included). Inline text keeps its bold,
italic, code and link target; a link's target is also shown as text after it
(as the Word documents do), so pointing a link elsewhere is a visible change.

Blocks are aligned, and the words of each aligned pair are compared; a run of
replaced words is one deletion followed by one insertion, never interleaved
word by word. The result renders as Markdown and HTML with ``<ins>``/``<del>``,
and as a Word document with native tracked changes (``docx_redline.py``).

Invariant (tested): accepting every change gives exactly the new document's
blocks, rejecting every change exactly the old one's.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html import escape as html_escape

from ..documents import Block, Document, ListBlock, Paragraph
from ..documents.model import Span, Table, safe_href
from ..render.markdown import escape as md_escape
from .diff import md_text

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
#: Cell separator inside a table-row block's text.
CELL = "\t"

Style = tuple[bool, bool, bool, "str | None"]  # bold, italic, code, href
PLAIN: Style = (False, False, False, None)
Segment = tuple[str, str, Style]  # (op, text, style); op in "=", "+", "-"


@dataclass(frozen=True)
class Unit:
    """One block of a flattened document.

    ``kind``: title | cover | notice | h1 | h2 | p | li | caption | row.
    ``spans`` carries the styled text; when empty, ``text`` is plain.
    ``group`` (not compared) tells lists apart, so numbering restarts per
    list; ``key`` (not compared) is the clause id under an ``h2``.
    """

    kind: str
    text: str
    depth: int = 0
    ordered: bool = False
    spans: tuple[tuple[str, Style], ...] = ()
    checklist: bool = False
    header: bool = False
    group: int = field(default=0, compare=False)
    key: str = field(default="", compare=False)

    def styled(self) -> tuple[tuple[str, Style], ...]:
        """Return the text as (text, style) runs."""
        return self.spans or ((self.text, PLAIN),)


@dataclass
class RUnit:
    """A block of the redline: unchanged, inserted, deleted or changed."""

    kind: str
    depth: int
    ordered: bool
    status: str  # equal | insert | delete | change
    segments: list[Segment] = field(default_factory=list)
    checklist: bool = False
    header: bool = False
    group: int = 0
    key: str = ""
    notes: list[str] = field(default_factory=list)

    def new_text(self) -> str | None:
        """Return the block's text after accepting every change (None if deleted)."""
        return None if self.status == "delete" else "".join(s[1] for s in self.segments if s[0] != "-")

    def old_text(self) -> str | None:
        """Return the block's text after rejecting every change (None if inserted)."""
        return None if self.status == "insert" else "".join(s[1] for s in self.segments if s[0] != "+")


def _spans(spans: tuple[Span, ...] | list[Span]) -> tuple[tuple[str, Style], ...]:
    out: list[tuple[str, Style]] = []
    for s in spans:
        # Only a link the documents may carry (safe_href) is a link here too;
        # any other target is dropped, as the renderers drop it.
        href = safe_href(s.href)
        out.append((s.text, (s.bold, s.italic, s.code, href)))
        # The link target, shown as text as the Word documents show it (render/docx.py).
        if href and href not in s.text and not href.startswith("mailto:"):
            out.append((f" ({href})", PLAIN))
    return tuple(out)


def _unit(kind: str, spans: tuple[tuple[str, Style], ...], **kw: object) -> Unit:
    return Unit(kind, "".join(t for t, _ in spans), spans=spans, **kw)  # type: ignore[arg-type]


class _Flattener:
    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.lists = 0

    def blocks(self, blocks: list[Block] | tuple[Block, ...], depth: int = 0) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                self.units.append(_unit("p", _spans(block.spans), depth=depth))
            elif isinstance(block, Table):
                self.units.append(_unit("caption", ((block.caption, PLAIN),)))
                self.units.append(Unit("row", CELL.join(block.header), header=True))
                for row in block.rows:
                    cells: list[tuple[str, Style]] = []
                    for i, cell in enumerate(row):
                        if i:
                            cells.append((CELL, PLAIN))
                        cells.extend(_spans(cell))
                    self.units.append(_unit("row", tuple(cells)))
            elif isinstance(block, ListBlock):
                self.lists += 1
                group = self.lists
                for item in block.items:
                    self.units.append(
                        _unit(
                            "li",
                            _spans(item.spans),
                            depth=depth,
                            ordered=block.ordered,
                            checklist=block.checklist,
                            group=group,
                        )
                    )
                    self.blocks(item.children, depth + 1)


def flatten(doc: Document) -> list[Unit]:
    """Flatten a document into blocks in reading order, cover and disclaimer included."""
    f = _Flattener()
    f.units.append(Unit("title", doc.title))
    for label, value in (
        ("Company", doc.company),
        ("Document", doc.meta.get("document", "")),
        ("Version", f"{doc.library_name} {doc.library_version}"),
        ("Effective date", doc.effective_date),
    ):
        f.units.append(Unit("cover", f"{label}: {value}"))
    if doc.meta.get("draft"):
        f.units.append(Unit("notice", doc.meta["draft"]))
    for block in doc.disclaimer:
        if isinstance(block, Paragraph):
            f.units.append(_unit("notice", _spans(block.spans)))
    f.blocks(doc.intro)
    for section in doc.sections:
        f.units.append(Unit("h1", f"{section.number}. {section.title}", key=f"section:{section.id}"))
        f.blocks(section.intro)
        for clause in section.clauses:
            f.units.append(Unit("h2", f"{clause.number} {clause.title}", key=clause.id))
            f.blocks(clause.blocks)
    for appendix in doc.appendices:
        f.units.append(Unit("h1", f"Appendix {appendix.number}. {appendix.title}", key=f"section:{appendix.id}"))
        f.blocks(appendix.intro)
    return f.units


def _tokens(spans: tuple[tuple[str, Style], ...]) -> list[tuple[str, Style]]:
    return [(t, style) for text, style in spans for t in _TOKEN.findall(text)]


def _absorbable(tokens: list[tuple[str, Style]]) -> bool:
    """Tell whether an unchanged stretch between two changes that is folded into them (spaces, one short word)."""
    words = [t for t, _ in tokens if not t.isspace()]
    return len(words) == 0 or (len(words) == 1 and len(words[0]) <= 3 and len(tokens) <= 3)


def styled_diff(old: tuple[tuple[str, Style], ...], new: tuple[tuple[str, Style], ...]) -> list[Segment]:
    """Diff styled texts word by word; a run of replaced words is one deletion then one insertion."""
    a, b = _tokens(old), _tokens(new)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    groups: list[list] = []  # [tag, i1, i2, j1, j2]
    for tag, i1, i2, j1, j2 in ops:
        if (
            groups
            and tag != "equal"
            and groups[-1][0] != "equal"
            or (
                tag == "equal"
                and groups
                and groups[-1][0] != "equal"
                and i2 < len(a)
                and j2 < len(b)
                and _absorbable(a[i1:i2])
            )
        ):
            groups[-1][2], groups[-1][4] = i2, j2
        else:
            groups.append([tag if tag == "equal" else "replace", i1, i2, j1, j2])
    # An absorbed stretch may leave the next change to extend the same group.
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in groups:
        if tag == "equal":
            for t, s in a[i1:i2]:
                _push(out, "=", t, s)
        else:
            for t, s in a[i1:i2]:
                _push(out, "-", t, s)
            for t, s in b[j1:j2]:
                _push(out, "+", t, s)
    return _order(out)


def _order(segs: list[Segment]) -> list[Segment]:
    """Within each changed stretch, all deletions first, then all insertions."""
    out: list[Segment] = []
    i = 0
    while i < len(segs):
        if segs[i][0] == "=":
            _push(out, *segs[i])
            i += 1
            continue
        j = i
        while j < len(segs) and segs[j][0] != "=":
            j += 1
        for s in segs[i:j]:
            if s[0] == "-":
                _push(out, *s)
        for s in segs[i:j]:
            if s[0] == "+":
                _push(out, *s)
        i = j
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Diff two plain texts word by word into (op, text) segments."""
    return [(op, t) for op, t, _ in styled_diff(((old, PLAIN),), ((new, PLAIN),))]


def _push(out: list[Segment], op: str, text: str, style: Style = PLAIN) -> None:
    if not text:
        return
    if out and out[-1][0] == op and out[-1][2] == style:
        out[-1] = (op, out[-1][1] + text, style)
    else:
        out.append((op, text, style))


def _similar(a: Unit, b: Unit) -> bool:
    if a.kind != b.kind or a.header != b.header:
        return False
    ta, tb = _TOKEN.findall(a.text), _TOKEN.findall(b.text)
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio() >= 0.5


def _r(u: Unit, status: str, segments: list[Segment]) -> RUnit:
    return RUnit(u.kind, u.depth, u.ordered, status, segments, u.checklist, u.header, u.group, u.key)


def redline(old: list[Unit], new: list[Unit]) -> list[RUnit]:
    """Align two flattened documents and diff the words of each aligned pair."""
    out: list[RUnit] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [_r(u, "equal", [("=", t, s) for t, s in u.styled() if t]) for u in new[j1:j2]]
            continue
        i, j = i1, j1
        while i < i2 or j < j2:
            if i < i2 and j < j2 and _similar(old[i], new[j]):
                out.append(_r(new[j], "change", styled_diff(old[i].styled(), new[j].styled())))
                i += 1
                j += 1
            elif i < i2 and (j >= j2 or not any(_similar(old[i], n) for n in new[j:j2])):
                out.append(_r(old[i], "delete", [("-", t, s) for t, s in old[i].styled() if t]))
                i += 1
            else:
                out.append(_r(new[j], "insert", [("+", t, s) for t, s in new[j].styled() if t]))
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

_MD_PREFIX = {"title": "# ", "h1": "## ", "h2": "### ", "p": "", "cover": "", "notice": "> ", "caption": ""}


def _md_inline(u: RUnit, escape_pipes: bool = False) -> list[str]:
    """Markdown of a block's segments; rows give one string per cell."""
    cells: list[str] = [""]
    for op, text, style in u.segments:
        parts = text.split(CELL) if u.kind == "row" else [text]
        for k, part in enumerate(parts):
            if k:
                cells.append("")
            if not part:
                continue
            bold, italic, code, href = style
            t = md_escape(part)
            if escape_pipes:
                t = t.replace("|", "\\|")
            if code:
                t = f"`{part}`" if "`" not in part else f"``{part}``"
            if bold:
                t = f"**{t}**"
            if italic:
                t = f"*{t}*"
            if href:
                target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
                t = f"[{t}]({target})"
            if op != "=":
                tag = "ins" if op == "+" else "del"
                t = f"<{tag}>{t}</{tag}>"
            cells[-1] += t
    return cells


def to_markdown(units: list[RUnit], heading: str) -> str:
    """Render a redline as Markdown with inline ``<ins>``/``<del>``."""
    # The heading names input files: it must not close the comment (no ">",
    # no "--") or break lines. Everything else in a redline is escaped text.
    shown = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", heading).replace("<", "&lt;").replace(">", "&gt;")
    shown = re.sub(r"-(?=-)", "- ", shown)
    chunks = [f"<!-- {shown} -->"]
    prev = ""
    counters: list[int] = []
    last_group = -1
    for u in units:
        if u.kind == "row":
            cells = _md_inline(u, escape_pipes=True)
            line = "| " + " | ".join(c or " " for c in cells) + " |"
            if prev == "row" and not u.header:
                chunks[-1] += "\n" + line
            else:
                chunks.append(line + "\n|" + "---|" * len(cells))
        elif u.kind == "li":
            text = _md_inline(u)[0]
            if prev != "li" or u.group != last_group and u.depth == 0:
                counters.clear()
            del counters[u.depth + 1 :]
            while len(counters) <= u.depth:
                counters.append(0)
            counters[u.depth] += 1
            marker = f"{counters[u.depth]}. " if u.ordered else "- [ ] " if u.checklist else "- "
            line = "    " * u.depth + marker + text
            if prev == "li" and not (u.group != last_group and u.depth == 0):
                chunks[-1] += "\n" + line
            else:
                chunks.append(line)
            last_group = u.group
        else:
            chunks.append(_MD_PREFIX[u.kind] + "    " * (u.depth if u.kind == "p" else 0) + _md_inline(u)[0])
        prev = u.kind
        if u.notes:
            chunks.append(
                "> **Review note:** " + md_text(u.notes[0]) + "".join(f"\\\n> {md_text(n)}" for n in u.notes[1:])
            )
            prev = "note"
    return "\n\n".join(chunks) + "\n"


_CSS = """
body{font:1rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:46rem;margin:0 auto;
padding:1.5rem 1.25rem;color:#1b1f24}
ins{background:#dff5e3;color:#0a4d1c;text-decoration:underline}
del{background:#fde2e1;color:#7a1212;text-decoration:line-through}
.legend,.note{border:1px solid #c9ced6;padding:.5rem 1rem;background:#f3f5f8}
.note{font-size:.9rem}
.changed{border-left:.25rem solid #8a5a00;padding-left:.5rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #c9ced6;padding:.25rem .4rem;vertical-align:top}
@media print{ins,del{background:none}}
"""


def _html_inline(u: RUnit) -> list[str]:
    cells: list[str] = [""]
    for op, text, style in u.segments:
        parts = text.split(CELL) if u.kind == "row" else [text]
        for k, part in enumerate(parts):
            if k:
                cells.append("")
            if not part:
                continue
            bold, italic, code, href = style
            t = html_escape(part, quote=False)
            if code:
                t = f"<code>{t}</code>"
            if bold:
                t = f"<strong>{t}</strong>"
            if italic:
                t = f"<em>{t}</em>"
            if href:
                t = f'<a href="{html_escape(href)}">{t}</a>'
            if op != "=":
                tag = "ins" if op == "+" else "del"
                t = f"<{tag}>{t}</{tag}>"
            cells[-1] += t
    return cells


def to_html(units: list[RUnit], title: str) -> str:
    """Render a redline as a standalone HTML page."""
    body = []
    open_lists: list[str] = []
    in_table = False
    last_group = -1

    def close_lists(depth: int) -> None:
        while len(open_lists) > depth:
            body.append(f"</{open_lists.pop()}>")

    tags = {"title": "h1", "h1": "h2", "h2": "h3", "p": "p", "cover": "p", "notice": "p", "caption": "p"}
    for u in units:
        cls = ' class="changed"' if u.status != "equal" else ""
        if u.kind != "row" and in_table:
            body.append("</table>")
            in_table = False
        if u.kind == "row":
            close_lists(0)
            if u.header or not in_table:
                if in_table:
                    body.append("</table>")
                body.append("<table>")
                in_table = True
            cell = "th" if u.header else "td"
            body.append(f"<tr{cls}>" + "".join(f"<{cell}>{c}</{cell}>" for c in _html_inline(u)) + "</tr>")
        elif u.kind == "li":
            if u.depth == 0 and u.group != last_group:
                close_lists(0)
            close_lists(u.depth + 1)
            while len(open_lists) < u.depth + 1:
                tag = "ol" if u.ordered else "ul"
                body.append(f"<{tag}>")
                open_lists.append(tag)
            box = "☐ " if u.checklist else ""
            body.append(f"<li{cls}>{box}{_html_inline(u)[0]}</li>")
            last_group = u.group
        else:
            close_lists(0)
            body.append(f"<{tags[u.kind]}{cls}>{_html_inline(u)[0]}</{tags[u.kind]}>")
        if u.notes:
            body.append(
                '<aside class="note"><strong>Review note:</strong> '
                + "<br>".join(html_escape(n) for n in u.notes)
                + "</aside>"
            )
    if in_table:
        body.append("</table>")
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
