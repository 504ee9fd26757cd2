"""Render a document model as a Word document with python-docx.

Word styles carry the structure (Title, Heading 1 and 2, List Bullet and List
Number), numbered lists restart at 1, the header and footer carry the draft
marking, and the file is byte-for-byte deterministic: fixed document dates and
fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph

from ..model import Block, Document, ListBlock, Paragraph, Span
from ..skeletons import Templates

FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _add_spans(par: DocxParagraph, spans: tuple[Span, ...]) -> None:
    for s in spans:
        run = par.add_run(s.text)
        run.bold = s.bold or None
        run.italic = s.italic or None
        if s.code:
            run.font.name = "Consolas"
        if s.href:
            run.font.underline = True
            run.font.color.rgb = RGBColor(0x0B, 0x5C, 0xAD)
            par.add_run(f" ({s.href})" if s.href not in s.text and not s.href.startswith("mailto:") else "")


class _Lists:
    """Creates a fresh numbering instance per ordered list so each restarts at 1."""

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.numbering = document.part.numbering_part.element

    def restart(self, style_name: str) -> int | None:
        style = self.document.styles[style_name]
        ppr = style.element.pPr
        if ppr is None or ppr.numPr is None or ppr.numPr.numId is None:
            return None
        base = self.numbering.num_having_numId(ppr.numPr.numId.val)
        num = self.numbering.add_num(base.abstractNumId.val)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId


def _add_blocks(document: DocxDocument, lists: _Lists, blocks: list[Block] | tuple[Block, ...], level: int = 0) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            _add_spans(document.add_paragraph(), block.spans)
        elif isinstance(block, ListBlock):
            suffix = "" if level == 0 else f" {min(level + 1, 3)}"
            style = ("List Number" if block.ordered else "List Bullet") + suffix
            num_id = lists.restart(style) if block.ordered else None
            for item in block.items:
                par = document.add_paragraph(style=style)
                if num_id is not None:
                    numpr = par._p.get_or_add_pPr().get_or_add_numPr()
                    numpr.get_or_add_ilvl().val = 0
                    numpr.get_or_add_numId().val = num_id
                _add_spans(par, item.spans)
                nested_paras = [c for c in item.children if isinstance(c, Paragraph)]
                for child in nested_paras:
                    _add_spans(
                        document.add_paragraph(style=style.replace("Number", "Continue").replace("Bullet", "Continue")),
                        child.spans,
                    )
                _add_blocks(
                    document,
                    lists,
                    [c for c in item.children if isinstance(c, ListBlock)],
                    level + 1,
                )


def render_docx(doc: Document, templates: Templates) -> bytes:
    """Render the document as DOCX bytes."""
    document = new_docx()
    lists = _Lists(document)
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)

    props = document.core_properties
    props.title = f"{doc.title} — {doc.company}"
    props.subject = doc.meta["document"]
    props.author = "policygen"
    props.last_modified_by = "policygen"
    props.comments = f"{doc.meta['footer']}. Clause library {doc.library_name} {doc.library_version}."
    props.keywords = "child safety; draft"
    props.category = "Draft — not legal advice"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1

    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = f"{doc.company} — {doc.title}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = f"{doc.meta['footer']} · {doc.library_name} {doc.library_version}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_paragraph(doc.company, style="Subtitle")
    document.add_paragraph(doc.title, style="Title")
    meta = document.add_paragraph()
    meta.add_run("Document: ").bold = True
    meta.add_run(doc.meta["document"])
    meta.add_run("\nClause library: ").bold = True
    meta.add_run(f"{doc.library_name} {doc.library_version}")
    meta.add_run("\nEffective date: ").bold = True
    meta.add_run(doc.effective_date)
    for block in doc.disclaimer:
        if isinstance(block, Paragraph):
            _add_spans(document.add_paragraph(style="Intense Quote"), block.spans)
    _add_blocks(document, lists, doc.intro)
    for sec in doc.sections:
        document.add_heading(f"{sec.number}. {sec.title}", level=1)
        _add_blocks(document, lists, sec.intro)
        for clause in sec.clauses:
            document.add_heading(f"{clause.number} {clause.title}", level=2)
            _add_blocks(document, lists, clause.blocks)
    for appendix in doc.appendices:
        document.add_heading(f"Appendix {appendix.number}. {appendix.title}", level=1)
        _add_blocks(document, lists, appendix.intro)

    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times so output is reproducible."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


__all__ = ["render_docx", "qn"]
