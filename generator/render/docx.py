"""Render a document model as a Word document with python-docx.

Word styles carry the structure (Title, Heading 1 and 2, List Bullet and List
Number), numbered lists restart at 1, the header and footer carry the draft
marking, and the file is byte-for-byte deterministic: fixed document dates and
fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html import escape as _html_escape
from typing import Any

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Pt

from ..model import Block, Document, ListBlock, Paragraph, Span
from ..skeletons import Templates

FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _t(text: str) -> str:
    """Escape text for XML element content (html.escape imports far less than xml.sax)."""
    return _html_escape(_XML_BAD.sub("", text), quote=False)


class _Body:
    """Builds the document body as one XML string, parsed once.

    python-docx's object model costs a lookup per paragraph and per run; for
    documents of hundreds of paragraphs, writing the WordprocessingML directly
    and parsing it in one go is several times faster. Styles, numbering,
    properties, header and footer still go through python-docx.
    """

    # Style ids and list numbering of python-docx's default template never
    # change, so they are looked up once per process, not per document.
    _STYLE_IDS: dict[str, str] = {}
    _ABSTRACT_NUM: dict[str, int | None] = {}

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.numbering = document.part.numbering_part.element
        self.next_num_id = 1 + max((n.numId for n in self.numbering.num_lst), default=0)
        self.parts: list[str] = []

    def style(self, name: str) -> str:
        if name not in self._STYLE_IDS:
            self._STYLE_IDS[name] = self.document.styles[name].style_id
        return self._STYLE_IDS[name]

    def restart_numbering(self, style_name: str) -> int | None:
        """Create a numbering instance for one ordered list, so it starts at 1."""
        if style_name not in self._ABSTRACT_NUM:
            ppr = self.document.styles[style_name].element.pPr
            abstract = None
            if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
                abstract = self.numbering.num_having_numId(ppr.numPr.numId.val).abstractNumId.val
            self._ABSTRACT_NUM[style_name] = abstract
        abstract = self._ABSTRACT_NUM[style_name]
        if abstract is None:
            return None
        num_id = self.next_num_id
        self.next_num_id += 1
        self.numbering._insert_num(
            parse_xml(
                f'<w:num xmlns:w="{_W_NS}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
                '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
            )
        )
        return num_id

    def paragraph(self, style: str | None, runs: str, num_id: int | None = None) -> None:
        ppr = ""
        if style is not None or num_id is not None:
            inner = f'<w:pStyle w:val="{self.style(style)}"/>' if style else ""
            if num_id is not None:
                inner += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
            ppr = f"<w:pPr>{inner}</w:pPr>"
        self.parts.append(f"<w:p>{ppr}{runs}</w:p>")

    def commit(self) -> None:
        xml = f'<w:body xmlns:w="{_W_NS}">' + "".join(self.parts) + "</w:body>"
        body = self.document.element.body
        anchor = body.sectPr
        for child in parse_xml(xml):
            if anchor is not None:
                anchor.addprevious(child)
            else:
                body.append(child)


def _run(text: str, *, bold: bool = False, italic: bool = False, code: bool = False, link: bool = False) -> str:
    props = ""
    if code:
        props += '<w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/>'
    if bold:
        props += "<w:b/>"
    if italic:
        props += "<w:i/>"
    if link:
        props += '<w:color w:val="0B5CAD"/><w:u w:val="single"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{_t(text)}</w:t></w:r>'


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        out.append(_run(s.text, bold=s.bold, italic=s.italic, code=s.code, link=bool(s.href)))
        if s.href and s.href not in s.text and not s.href.startswith("mailto:"):
            out.append(_run(f" ({s.href})"))
    return "".join(out)


def _blocks(body: _Body, blocks: list[Block] | tuple[Block, ...], level: int = 0) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            body.paragraph(None, _spans(block.spans))
        elif isinstance(block, ListBlock):
            suffix = "" if level == 0 else f" {min(level + 1, 3)}"
            style = ("List Number" if block.ordered else "List Bullet") + suffix
            num_id = body.restart_numbering(style) if block.ordered else None
            for item in block.items:
                body.paragraph(style, _spans(item.spans), num_id)
                for child in item.children:
                    if isinstance(child, Paragraph):
                        body.paragraph("List Continue" + suffix, _spans(child.spans))
                _blocks(body, [c for c in item.children if isinstance(c, ListBlock)], level + 1)


def render_docx(doc: Document, templates: Templates) -> bytes:
    """Render the document as DOCX bytes."""
    document = new_docx()
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)

    props = document.core_properties
    props.title = f"{doc.title} — {doc.company}"
    props.subject = doc.meta["document"]
    props.author = "policygen"
    props.last_modified_by = "policygen"
    props.comments = f"{doc.meta['footer']}. Clause library {doc.library_name} {doc.library_version}."[:255]
    props.identifier = doc.meta["build-digest"]
    props.version = doc.library_version[:255]
    _custom_properties(
        document,
        {
            "policygen.library": f"{doc.library_name} {doc.library_version}",
            "policygen.library-version": doc.library_version,
            "policygen.profile-digest": doc.meta["profile-digest"],
            "policygen.build-digest": doc.meta["build-digest"],
            "policygen.clauses": doc.meta["clauses"],
        },
    )
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

    body = _Body(document)
    body.paragraph("Subtitle", _run(doc.company))
    body.paragraph("Title", _run(doc.title))
    body.paragraph(
        None,
        _run("Document: ", bold=True)
        + _run(doc.meta["document"])
        + "<w:r><w:br/></w:r>"
        + _run("Clause library: ", bold=True)
        + _run(f"{doc.library_name} {doc.library_version}")
        + "<w:r><w:br/></w:r>"
        + _run("Effective date: ", bold=True)
        + _run(doc.effective_date),
    )
    for block in doc.disclaimer:
        if isinstance(block, Paragraph):
            body.paragraph("Intense Quote", _spans(block.spans))
    _blocks(body, doc.intro)
    for sec in doc.sections:
        body.paragraph("Heading 1", _run(f"{sec.number}. {sec.title}"))
        _blocks(body, sec.intro)
        for clause in sec.clauses:
            body.paragraph("Heading 2", _run(f"{clause.number} {clause.title}"))
            _blocks(body, clause.blocks)
    for appendix in doc.appendices:
        body.paragraph("Heading 1", _run(f"Appendix {appendix.number}. {appendix.title}"))
        _blocks(body, appendix.intro)
    body.commit()

    return save_deterministic(document)


class _FixedTimeZip:
    """python-docx's zip writer interface, with fixed entry times (one pass)."""

    def __init__(self, stream: io.BytesIO) -> None:
        # Level 1 compresses these XML parts about as well as the default and
        # several times faster; the same level always gives the same bytes.
        self.zip = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, blob, compresslevel=1)

    def close(self) -> None:
        self.zip.close()


def save_deterministic(document: DocxDocument) -> bytes:
    """Save a document with fixed zip entry times, compressing once."""
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    stream = io.BytesIO()
    writer = _FixedTimeZip(stream)
    parts = list(package.iter_parts())
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return stream.getvalue()


_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"


def _custom_properties(document: DocxDocument, values: dict[str, str]) -> None:
    """Add docProps/custom.xml (python-docx has no API for custom properties)."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{_t(name)}">'
        f"<vt:lpwstr>{_t(value)}</vt:lpwstr></property>"
        for i, (name, value) in enumerate(values.items(), start=2)
    )
    blob = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{props}</Properties>'
    ).encode()
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), _CUSTOM_CT, blob, package)
    package.relate_to(part, _CUSTOM_RT)


def custom_properties(data: bytes) -> dict[str, str]:
    """Read the custom properties of a DOCX (for tests and tools)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if "docProps/custom.xml" not in z.namelist():
            return {}
        root = ET.fromstring(z.read("docProps/custom.xml"))
    return {p.get("name", ""): "".join(p.itertext()) for p in root}


__all__ = ["render_docx", "save_deterministic", "custom_properties"]
