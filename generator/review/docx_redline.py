"""Render a redline as a Word document whose changes are native tracked changes.

Inserted text is wrapped in ``w:ins``, deleted text in ``w:del`` (with
``w:delText``), and whole inserted or deleted paragraphs also carry a revision
on their paragraph mark, so "Accept all" in Word or LibreOffice gives exactly
the new document and "Reject all" exactly the old one. Every revision has the
author "policygen" and a fixed date, so the file is deterministic.
"""

from __future__ import annotations

import re

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ..render.docx import FIXED_TIME, save_deterministic
from .redline import RUnit

AUTHOR = "policygen"
DATE = "2000-01-01T00:00:00Z"

_STYLES = {"title": "Title", "h1": "Heading 1", "h2": "Heading 2", "p": None}


class _Revisions:
    def __init__(self) -> None:
        self.next_id = 1

    def mark(self, tag: str) -> OxmlElement:
        el = OxmlElement(tag)
        el.set(qn("w:id"), str(self.next_id))
        el.set(qn("w:author"), AUTHOR)
        el.set(qn("w:date"), DATE)
        self.next_id += 1
        return el


# Characters XML 1.0 cannot hold; file names and clause text may contain them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str, limit: int | None = None) -> str:
    """Return ``text`` without characters XML cannot hold, cut to ``limit`` (core properties hold 255)."""
    text = _XML_BAD.sub("\ufffd", text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _run(text: str, deleted: bool) -> OxmlElement:
    r = OxmlElement("w:r")
    t = OxmlElement("w:delText" if deleted else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = _xml(text)
    r.append(t)
    return r


def render_redline_docx(units: list[RUnit], title: str, subtitle: str) -> bytes:
    """Build the tracked-changes DOCX for a redline."""
    document = new_docx()
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
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rev = _Revisions()
    for u in units:
        if u.kind == "li":
            style = ("List Number" if u.ordered else "List Bullet") + (
                "" if u.depth == 0 else f" {min(u.depth + 1, 3)}"
            )
        else:
            style = _STYLES[u.kind]
        par = document.add_paragraph(style=style)
        p = par._p
        if u.status in ("insert", "delete"):
            ppr = p.get_or_add_pPr()
            rpr = OxmlElement("w:rPr")
            rpr.append(rev.mark("w:ins" if u.status == "insert" else "w:del"))
            ppr.append(rpr)
        for op, text in u.segments:
            if op == "=":
                p.append(_run(text, deleted=False))
            else:
                wrapper = rev.mark("w:ins" if op == "+" else "w:del")
                wrapper.append(_run(text, deleted=op == "-"))
                p.append(wrapper)
    return save_deterministic(document)
