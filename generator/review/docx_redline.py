"""Render a redline as a Word document whose changes are native tracked changes.

The document is built like the generated Word documents (``render/docx.py``):
the project's ``reference.docx`` styles, numbering restarted per list,
checkboxes, bold and links. It opens with a cover naming the two versions
compared (labels, commit ids, dates) and the profile.

Inserted text is wrapped in ``w:ins``, deleted text in ``w:del`` (with
``w:delText``). Inserted and deleted paragraphs are modelled with
*paragraph-mark* revisions: a block of n inserted paragraphs carries n
inserted marks, chosen among its own marks and the mark of the paragraph
before it so that no unmarked paragraph mark sits between two insertions
(LibreOffice merges such insertions across the mark, and "Reject all" then
joins two paragraphs); where no choice avoids it, the changed paragraph next
to it is shown as a deletion followed by an insertion. So "Accept all" in
Word or LibreOffice gives exactly the new document and "Reject all" exactly
the old one (tested through LibreOffice).

Every revision has the author "policygen" and the date of the comparison's
newer side (taken from the input, so the file is deterministic). Each change
carries a Word comment with its class, reasons, citations, consequence and
rationale, so counsel can reply in Word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..library.templating import Templates
from ..render.docx import FIXED_TIME, _Body, _open_reference, _run, paragraph_xml, save_deterministic
from .redline import CELL, RUnit, Segment

AUTHOR = "policygen"
DATE = "2000-01-01T00:00:00Z"

_STYLES = {
    "title": "Title",
    "cover": "Cover Meta",
    "notice": "Draft Notice",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "p": None,
    "caption": "Caption",
    "row": "Table Text",
}


@dataclass
class RedlineCover:
    """What the redline's cover names: the two sides and the profile."""

    title: str
    old: str
    new: str
    profile: str
    date: str = DATE  # ISO 8601 UTC: the newer side's date, used for every revision

    def lines(self) -> list[str]:
        """Return the cover paragraphs after the title (also what tests skip)."""
        return [
            f"Old version: {self.old}",
            f"New version: {self.new}",
            f"Profile: {self.profile}",
            f"Changes dated: {self.date[:10]}",
            "Draft for legal review — not legal advice. Accept all changes to get the new text; "
            "reject all to get the old.",
        ]


def _edge(u: RUnit, first: bool) -> str | None:
    segs = [s for s in u.segments if s[1]]
    if not segs:
        return None
    return segs[0][0] if first else segs[-1][0]


def _assign(units: list[RUnit]) -> tuple[list[str], int | None]:
    """Choose paragraph-mark revisions; return the marks and the first bad unmarked mark (or None)."""
    n = len(units)
    marks = [""] * n

    def side(j: int, first: bool) -> str:
        if j < 0 or j >= n:
            return "="
        e = _edge(units[j], first)
        if e is not None:
            return e
        k = j if first else j - 1  # an empty paragraph: the neighbouring mark is the next character
        return {"ins": "+", "del": "-"}.get(marks[k], "=") if k >= 0 else "="

    def ok(j: int) -> bool:
        return not (side(j, False) == "+" and side(j + 1, True) == "+")

    for status, tag in (("insert", "ins"), ("delete", "del")):
        i = 0
        while i < n:
            if units[i].status != status:
                i += 1
                continue
            s = i
            while i < n and units[i].status == status:
                i += 1
            e = i
            if s == 0:
                for k in range(s, e):
                    marks[k] = tag
                continue
            free = [k for k in range(s - 1, e) if marks[k] == ""]
            need = e - s
            if len(free) <= need:
                for k in free:
                    marks[k] = tag
                continue
            order = list(reversed(free))
            if units[s - 1].status != "equal" and s - 1 in free:  # leave the neighbour's mark to its own block
                order.remove(s - 1)
                order.insert(0, s - 1)
            if e < n and units[e].status not in ("equal", status) and e - 1 in free:
                order.remove(e - 1)
                order.insert(0, e - 1)
            if e == n and e - 1 in free:  # the document's last paragraph mark cannot be removed
                order = [e - 1]
            for j in order:  # leave one free mark unmarked, where it joins no two insertions
                for k in free:
                    marks[k] = tag if k != j else ""
                if ok(j):
                    break
    for j in range(n - 1):
        if marks[j] == "" and not ok(j):
            return marks, j
    return marks, None


def plan(units: list[RUnit]) -> tuple[list[RUnit], list[str]]:
    """Units to write and the revision of each paragraph mark ("", "ins" or "del")."""
    units = list(units)
    while True:
        marks, bad = _assign(units)
        if bad is None:
            return units, marks
        k = bad + 1 if units[bad + 1].status == "change" else bad if units[bad].status == "change" else None
        if k is None:
            return units, marks  # not reachable for redlines built by redline(); kept safe
        u = units[k]
        old: list[Segment] = [("-", t, s) for op, t, s in u.segments if op != "+"]
        new: list[Segment] = [("+", t, s) for op, t, s in u.segments if op != "-"]
        units[k : k + 1] = [
            replace(u, status="delete", segments=old, notes=[]),
            replace(u, status="insert", segments=new),
        ]


class _Revisions:
    def __init__(self, date: str) -> None:
        self.next_id = 1
        self.date = date

    def attrs(self) -> str:
        n = self.next_id
        self.next_id += 1
        return f'w:id="{n}" w:author="{AUTHOR}" w:date="{self.date}"'


# Characters XML 1.0 cannot hold; file names and clause text may contain them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str, limit: int | None = None) -> str:
    """Return ``text`` without characters XML cannot hold, cut to ``limit`` (core properties hold 255)."""
    text = _XML_BAD.sub("\ufffd", text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _runs(u: RUnit, rev: _Revisions) -> str:
    out = []
    for op, text, (bold, italic, code, href) in u.segments:
        parts = text.split(CELL) if u.kind == "row" else [text]
        xml = ""
        for k, part in enumerate(parts):
            if k:
                xml += "<w:r><w:tab/></w:r>"
            if part:
                xml += _run(_xml(part), bold=bold or u.header, italic=italic, code=code, link=bool(href))
        if op == "-":
            xml = xml.replace("<w:t ", "<w:delText ").replace("</w:t>", "</w:delText>")
            xml = xml.replace("<w:tab/>", "<w:tab/>")
            out.append(f"<w:del {rev.attrs()}>{xml}</w:del>")
        elif op == "+":
            out.append(f"<w:ins {rev.attrs()}>{xml}</w:ins>")
        else:
            out.append(xml)
    return "".join(out)


def render_redline_docx(
    units: list[RUnit],
    title: str,
    subtitle: str,
    *,
    cover: RedlineCover | None = None,
    templates: Templates | None = None,
) -> bytes:
    """Build the tracked-changes DOCX for a redline, in the house styles."""
    from ..documents import load_templates

    templates = templates or load_templates()
    cover = cover or RedlineCover(title, "old", "new", subtitle)
    document = _open_reference(templates)
    props = document.core_properties
    props.title = _xml(title, 255)
    props.subject = _xml(subtitle, 255)
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.comments = "Redline for legal review. Draft — not legal advice."
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = _xml(f"Draft — not legal advice · {subtitle}")
    rev = _Revisions(cover.date)
    body = _Body(document)
    body.paragraph("Title", _run(_xml(cover.title)))
    for line in cover.lines():
        body.paragraph("Cover Meta", _run(_xml(line)))
    body.paragraph(None, '<w:r><w:br w:type="page"/></w:r>')
    units, marks = plan(units)
    num_ids: dict[tuple[int, str], int | None] = {}
    for u, mark in zip(units, marks, strict=True):
        if u.kind == "li":
            suffix = "" if u.depth == 0 else f" {min(u.depth + 1, 3)}"
            style = "Checklist" if u.checklist else ("List Number" if u.ordered else "List Bullet") + suffix
        elif u.kind == "p" and u.depth:
            style = "List Continue" + ("" if u.depth == 1 else f" {min(u.depth, 3)}")
        else:
            style = _STYLES[u.kind]
        num_id = None
        if u.kind == "li" and u.ordered and not u.checklist:
            key = (u.group, style)
            if key not in num_ids:
                num_ids[key] = body.restart_numbering(style)
            num_id = num_ids[key]
        runs = _runs(u, rev)
        if u.notes:
            cid = _comment(document, u.notes, cover.date)
            runs = f'<w:commentRangeStart w:id="{cid}"/>{runs}<w:commentRangeEnd w:id="{cid}"/>'
            runs += f'<w:r><w:commentReference w:id="{cid}"/></w:r>'
        extra = f"<w:rPr><w:{mark} {rev.attrs()}/></w:rPr>" if mark else ""
        if u.kind in ("h1", "h2"):  # the heading text carries its number, old and new: no automatic numbering
            extra = '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>' + extra
        body.raw(paragraph_xml(body.style(style) if style else None, runs, num_id, extra))
    body.commit()
    return save_deterministic(document)


def _comment(document, notes: list[str], date: str) -> int:  # type: ignore[no-untyped-def]
    """Add a Word comment holding the review notes; return its id."""
    import datetime as dt

    comment = document.comments.add_comment(_xml(notes[0]), author=AUTHOR, initials="pg")
    for note in notes[1:]:
        comment.add_paragraph(_xml(note))
    comment._comment_elm.date = dt.datetime.fromisoformat(date.replace("Z", "+00:00"))
    return comment.comment_id
