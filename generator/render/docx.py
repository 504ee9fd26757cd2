"""Render a document model as a Word document with python-docx.

Every style comes from a reference document, ``templates/docx/reference.docx``
(rebuilt by ``tools/build_reference_docx.py``; a ``--templates`` folder may
hold its own copy): headings numbered 1 / 1.1 / 1.1.1 by a multilevel list,
lists, checklists with boxes, tables, the table of contents. The renderer
writes a cover block with the draft notice, a real TOC field (pre-filled, and
marked for Word to refresh on opening), the body, and a footer with the draft
marking and "Page N of M". The file is byte-for-byte deterministic: fixed
document dates and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from html import escape as _html_escape
from pathlib import Path
from typing import Any

from docx import Document as open_docx
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml

from ..documents.model import Block, Document, ListBlock, Paragraph, Span, Table, plain_text, safe_href
from ..library.templating import Templates

FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
REFERENCE = "docx/reference.docx"
#: Styles the reference document must define (checked when it is loaded):
#: every name the writer looks up, nested list levels, contents entries and
#: the footer included (a test renders every sample and compares).
REQUIRED_STYLES = (
    "Title",
    "Subtitle",
    "Cover Meta",
    "Draft Notice",
    "TOC Heading",
    "toc 1",
    "toc 2",
    "Heading 1",
    "Heading 2",
    "Appendix Heading",
    "List Bullet",
    "List Bullet 2",
    "List Bullet 3",
    "List Number",
    "List Number 2",
    "List Number 3",
    "List Continue",
    "List Continue 2",
    "List Continue 3",
    "Checklist",
    "Table Grid",
    "Table Text",
    "Caption",
    "Footer",
)
#: A reference document is refused, before it is unpacked, past these sizes.
MAX_REFERENCE_BYTES = 16 * 1024 * 1024
MAX_REFERENCE_UNPACKED = 64 * 1024 * 1024
MAX_REFERENCE_ENTRIES = 1000


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PAGE_BREAK = '<w:r><w:br w:type="page"/></w:r>'
#: Page sizes in twentieths of a point (width, height).
PAPER = {"letter": (12240, 15840), "a4": (11906, 16838)}
#: Hanging indent of numbered lists: room for "17." and a gap, in any fallback font.
_LIST_HANG = 567
#: Twips per character of table text (9.5 pt) in the widest likely fallback font (DejaVu Sans, bold), so
#: a column sized for its longest word keeps it whole whether or not Carlito/Calibri is installed.
_TABLE_CHAR = 132
#: Left and right cell margins of the table style, in twips.
_CELL_MARGINS = 2 * 108


def _t(text: str) -> str:
    """Escape text for XML element content (html.escape imports far less than xml.sax)."""
    return _html_escape(_XML_BAD.sub("", text), quote=False)


@functools.lru_cache(maxsize=8)
def _reference(path: Path, mtime_ns: int) -> bytes:
    """Read and check a reference document once per file version; return its bytes.

    Raises:
        LibraryError: when it is not a Word document or lacks a style the renderer uses.
    """
    from ..errors import LibraryError, Problem

    def refuse(message: str) -> LibraryError:
        return LibraryError("Cannot use the DOCX reference document", [Problem(str(path), "", message)])

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_REFERENCE_BYTES + 1)
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror})") from None
    if len(data) > MAX_REFERENCE_BYTES:
        raise refuse(f"is over {MAX_REFERENCE_BYTES // 2**20} MiB; a reference document holds styles only")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"not a Word document: {exc}") from None
    unpacked = sum(i.file_size for i in infos)
    if len(infos) > MAX_REFERENCE_ENTRIES or unpacked > MAX_REFERENCE_UNPACKED:
        raise refuse(
            f"unpacks to {unpacked:,} bytes in {len(infos):,} parts; refused over "
            f"{MAX_REFERENCE_UNPACKED // 2**20} MiB or {MAX_REFERENCE_ENTRIES:,} parts (a zip bomb?)"
        )
    try:
        names = {s.name for s in open_docx(io.BytesIO(data)).styles}
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise LibraryError(
            "Cannot use the DOCX reference document", [Problem(str(path), "", f"not a Word document: {exc}")]
        ) from None
    missing = [name for name in REQUIRED_STYLES if name not in names]
    if missing:
        raise LibraryError(
            "The DOCX reference document lacks styles policygen uses",
            [Problem(str(path), "", f"missing style {name!r}") for name in missing],
        )
    return data


def _set_paper(document: DocxDocument, paper: str) -> None:
    """Set the page size (A4 or Letter), keeping the reference document's margins."""
    width, height = PAPER[paper]
    sect = document.element.body.sectPr
    size = sect.find(f"{{{_W_NS}}}pgSz")
    if size is None:
        size = parse_xml(f'<w:pgSz xmlns:w="{_W_NS}"/>')
        sect.insert(0, size)
    size.set(f"{{{_W_NS}}}w", str(width))
    size.set(f"{{{_W_NS}}}h", str(height))


def _text_width(document: DocxDocument) -> int:
    """Width between the margins, in twips."""
    sect = document.element.body.sectPr
    size, margins = sect.find(f"{{{_W_NS}}}pgSz"), sect.find(f"{{{_W_NS}}}pgMar")
    width = int(size.get(f"{{{_W_NS}}}w", "12240")) if size is not None else 12240
    if margins is None:
        return width - 2880
    return width - int(margins.get(f"{{{_W_NS}}}left", "1440")) - int(margins.get(f"{{{_W_NS}}}right", "1440"))


def _open_reference(templates: Templates) -> DocxDocument:
    """Open the reference document with an empty body (its section settings kept)."""
    path = templates.find(REFERENCE)
    document = open_docx(io.BytesIO(_reference(path, path.stat().st_mtime_ns)))
    body = document.element.body
    for child in list(body):
        if child is not body.sectPr:
            body.remove(child)
    return document


class _Body:
    """Builds the document body as one XML string, parsed once.

    python-docx's object model costs a lookup per paragraph and per run; for
    documents of hundreds of paragraphs, writing the WordprocessingML directly
    and parsing it in one go is several times faster. Styles, numbering,
    properties, header and footer still go through python-docx.
    """

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.numbering = document.part.numbering_part.element
        self.next_num_id = 1 + max((n.numId for n in self.numbering.num_lst), default=0)
        self.parts: list[str] = []
        self.style_ids: dict[str, str] = {}
        self.abstract_num: dict[str, int | None] = {}
        self.bookmarks = 0
        self._levels: dict[int, str] = {}
        self.width = _text_width(document)

    def style(self, name: str) -> str:
        if name not in self.style_ids:
            self.style_ids[name] = self.document.styles[name].style_id
        return self.style_ids[name]

    def restart_numbering(self, style_name: str) -> int | None:
        """Create a numbering instance for one ordered list, so it starts at 1."""
        if style_name not in self.abstract_num:
            ppr = self.document.styles[style_name].element.pPr
            abstract = None
            if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
                num = self.numbering.num_having_numId(ppr.numPr.numId.val)
                abstract = num.abstractNumId.val
            self.abstract_num[style_name] = abstract
        abstract = self.abstract_num[style_name]
        if abstract is None:
            return None
        num_id = self.next_num_id
        self.next_num_id += 1
        self.numbering._insert_num(
            parse_xml(
                f'<w:num xmlns:w="{_W_NS}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract}"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/>{self._roomy_level(abstract)}</w:lvlOverride>'
                "</w:num>"
            )
        )
        return num_id

    def _roomy_level(self, abstract: int) -> str:
        """Return the list's first level with a hanging indent wide enough for "17." and a gap after it.

        The reference document's lists hang by 0.25 in, which a two-digit
        number fills, so "17.Australia" ran together.
        """
        if abstract not in self._levels:
            self._levels[abstract] = ""
            for node in self.numbering.iterchildren(f"{{{_W_NS}}}abstractNum"):
                if node.get(f"{{{_W_NS}}}abstractNumId") != str(abstract):
                    continue
                lvl = node.find(f"{{{_W_NS}}}lvl")
                ind = lvl.find(f"{{{_W_NS}}}pPr/{{{_W_NS}}}ind") if lvl is not None else None
                if ind is None:
                    break
                left, hanging = int(ind.get(f"{{{_W_NS}}}left", "0")), int(ind.get(f"{{{_W_NS}}}hanging", "0"))
                if hanging >= _LIST_HANG:
                    break
                import copy

                lvl = copy.deepcopy(lvl)
                ppr = lvl.find(f"{{{_W_NS}}}pPr")
                for child in list(ppr):
                    ppr.remove(child)
                start = left - hanging
                ppr.append(
                    parse_xml(f'<w:tabs xmlns:w="{_W_NS}"><w:tab w:val="num" w:pos="{start + _LIST_HANG}"/></w:tabs>')
                )
                ppr.append(
                    parse_xml(f'<w:ind xmlns:w="{_W_NS}" w:left="{start + _LIST_HANG}" w:hanging="{_LIST_HANG}"/>')
                )
                from lxml import etree

                self._levels[abstract] = etree.tostring(lvl, encoding="unicode").replace(f' xmlns:w="{_W_NS}"', "")
                break
        return self._levels[abstract]

    def paragraph(self, style: str | None, runs: str, num_id: int | None = None, extra_ppr: str = "") -> None:
        self.parts.append(paragraph_xml(self.style(style) if style else None, runs, num_id, extra_ppr))

    def heading(self, style: str, text: str, bookmark: str) -> None:
        """Write a heading wrapped in a bookmark, the target of its table-of-contents entry."""
        self.bookmarks += 1
        n = self.bookmarks
        runs = f'<w:bookmarkStart w:id="{n}" w:name="{bookmark}"/>{_run(text)}<w:bookmarkEnd w:id="{n}"/>'
        self.paragraph(style, runs)

    def raw(self, xml: str) -> None:
        self.parts.append(xml)

    def mark(self, start: int, name: str) -> None:
        """Wrap the paragraphs written since ``parts[start]`` in a bookmark (a clause marker).

        The bookmark opens inside the first paragraph and closes inside the
        last, where Word and LibreOffice keep it on a round trip; a clause's
        blocks always begin and end with a paragraph (a table has a caption
        before it and an empty paragraph after it).
        """
        paras = [i for i in range(start, len(self.parts)) if self.parts[i].startswith("<w:p>")]
        if not paras:
            return
        self.bookmarks += 1
        n = self.bookmarks
        first, last = paras[0], paras[-1]
        head, sep, rest = self.parts[first].partition("</w:pPr>")
        if not sep:
            head, rest = "<w:p>", self.parts[first][len("<w:p>") :]
        self.parts[first] = f'{head}{sep}<w:bookmarkStart w:id="{n}" w:name="{name}"/>{rest}'
        self.parts[last] = self.parts[last][: -len("</w:p>")] + f'<w:bookmarkEnd w:id="{n}"/></w:p>'

    def commit(self) -> None:
        xml = f'<w:body xmlns:w="{_W_NS}">' + "".join(self.parts) + "</w:body>"
        body = self.document.element.body
        anchor = body.sectPr
        for child in parse_xml(xml):
            if anchor is not None:
                anchor.addprevious(child)
            else:
                body.append(child)


#: Prefix of the bookmarks that mark each clause's paragraphs (``policygen absorb`` reads them back).
CLAUSE_BOOKMARK_PREFIX = "_pgc_"


def clause_bookmark(clause_id: str) -> str:
    """Return the bookmark name marking a clause: hidden (leading ``_``), 25 characters, from the clause id.

    Word limits bookmark names to 40 letters, digits and underscores, so the
    id is hashed (SHA-256, first 20 hex digits); ``absorb`` maps names back
    through the library's clause ids.
    """
    import hashlib

    return CLAUSE_BOOKMARK_PREFIX + hashlib.sha256(clause_id.encode()).hexdigest()[:20]


def paragraph_xml(style_id: str | None, runs: str, num_id: int | None = None, extra_ppr: str = "") -> str:
    """One ``w:p`` element as XML text."""
    inner = f'<w:pStyle w:val="{style_id}"/>' if style_id else ""
    if num_id is not None:
        inner += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
    inner += extra_ppr
    ppr = f"<w:pPr>{inner}</w:pPr>" if inner else ""
    return f"<w:p>{ppr}{runs}</w:p>"


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


def _field(instr: str, shown: str) -> str:
    """Return a complex field (PAGE, NUMPAGES, ...) with its cached result."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_run(shown)}<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


_NOTE_REF = '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{}"/></w:r>'
_SUPER_COMMA = '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>,</w:t></w:r>'


def _spans(spans: tuple[Span, ...]) -> str:
    out = []
    previous_note = False
    for s in spans:
        if s.note is not None:
            out.append((_SUPER_COMMA if previous_note else "") + _NOTE_REF.format(s.note))
            previous_note = True
            continue
        previous_note = False
        href = safe_href(s.href)
        out.append(_run(s.text, bold=s.bold, italic=s.italic, code=s.code, link=bool(href)))
        if href and href not in s.text and not href.startswith(("mailto:", "#")):
            out.append(_run(f" ({href})"))
    return "".join(out)


def _table(body: _Body, table: Table) -> None:
    """Write a captioned table; the header row repeats on every page and rows do not split."""
    body.paragraph("Caption", _run(table.caption))
    cell_style = body.style("Table Text")
    widths = _column_widths(table, body.width)
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)

    def cell(runs: str, width: int, header: bool = False) -> str:
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F2"/>' if header else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
            f"{paragraph_xml(cell_style, runs, extra_ppr='<w:suppressAutoHyphens/>')}</w:tc>"
        )

    head = "".join(cell(_run(h, bold=True), w, header=True) for h, w in zip(table.header, widths, strict=True))
    rows = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    for row in table.rows:
        cells = "".join(cell(_spans(c), w) for c, w in zip(row, widths, strict=True))
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    body.raw(
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{body.style("Table Grid")}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )
    body.paragraph(None, "")


#: An address, not a word: a URL, an email or a domain name. It may break anywhere in a narrow column
#: (no column could hold the longest), so it does not size its column.
_ADDRESS = re.compile(r"://|@|\w\.\w")


def _column_widths(table: Table, total: int = 9350) -> list[int]:
    """Share the text width by the text in each column, in twentieths of a point.

    A column gets a share by the mean length of its texts (each capped, so
    one long cell does not starve the others), and never less than its
    longest word needs in the widest likely font (so "Emergency" and
    "Severity" stay whole when Carlito is missing and LibreOffice falls back).
    """
    cap, per_char = 120, _TABLE_CHAR  # characters; twips per character at the table's 9.5 pt
    weights, needs = [], []
    for i, head in enumerate(table.header):
        texts = [head, *(plain_text(row[i]) for row in table.rows)]
        mean = sum(min(len(t), cap) for t in texts) // len(texts)
        word = max((len(w) for t in texts for w in t.split() if not _ADDRESS.search(w)), default=4)
        weights.append(max(mean, 8))
        needs.append(min(word * per_char + _CELL_MARGINS + per_char // 2, total // 3))
    if sum(needs) >= total:  # the longest words cannot all fit: share the width by need
        widths = [total * n // sum(needs) for n in needs]
    else:  # every column gets its longest word, and the rest is shared by the text in it
        spare = total - sum(needs)
        widths = [n + spare * w // sum(weights) for n, w in zip(needs, weights, strict=True)]
    widths[-1] += total - sum(widths)
    return widths


def _blocks(body: _Body, blocks: list[Block] | tuple[Block, ...], level: int = 0) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            body.paragraph(None, _spans(block.spans))
        elif isinstance(block, Table):
            _table(body, block)
        elif isinstance(block, ListBlock):
            suffix = "" if level == 0 else f" {min(level + 1, 3)}"
            kind = "List Number" if block.ordered else "List Bullet"
            style = "Checklist" if block.checklist else kind + suffix
            num_id = body.restart_numbering(style) if block.ordered else None
            for item in block.items:
                body.paragraph(style, _spans(item.spans), num_id)
                for child in item.children:
                    if isinstance(child, Paragraph):
                        body.paragraph("List Continue" + suffix, _spans(child.spans))
                _blocks(body, [c for c in item.children if isinstance(c, (ListBlock, Table))], level + 1)


def _toc(body: _Body, entries: list[tuple[int, str, str]], title: str, pages: list[str] | None) -> None:
    """Write a TOC field over heading levels 1-2 (or 1) with its result filled in: linked entries and page numbers.

    ``pages`` (one per entry) come from a LibreOffice layout pass
    (:func:`generator.render.pdf.toc_pages`); without them the entries are
    links without page numbers, and ``updateFields`` asks Word to fill them in.
    """
    body.paragraph("TOC Heading", _run(title))
    depth = max((level for level, _, _ in entries), default=1)
    last = len(entries) - 1
    tabs = (
        '<w:tabs><w:tab w:val="clear" w:pos="9350"/>'
        f'<w:tab w:val="right" w:leader="dot" w:pos="{body.width}"/></w:tabs>'
    )
    for i, (level, text, bookmark) in enumerate(entries):
        begin = ""
        if i == 0:
            begin = (
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-{depth}" \\h \\z \\u </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            )
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>' if i == last else ""
        page = f"<w:r><w:tab/></w:r>{_run(pages[i])}" if pages else ""
        link = f'<w:hyperlink w:anchor="{bookmark}" w:history="1">{_run(text)}{page}</w:hyperlink>'
        body.paragraph(f"toc {level}", begin + link + end, extra_ppr=tabs if body.width != 9350 else "")
    body.paragraph(None, _PAGE_BREAK)


def _cover(body: _Body, doc: Document) -> None:
    """Company, title, the document's own version and effective date, and the draft notice (once)."""
    body.paragraph("Subtitle", _run(doc.company))
    body.paragraph("Title", _run(doc.title))
    for label, value in (
        ("Document", doc.meta["document"]),
        ("Version", doc.version),
        ("Effective date", doc.effective_date),
    ):
        if label == "Build" and doc.meta.get("final"):
            continue  # final documents keep build details in the properties only
        body.paragraph("Cover Meta", _run(f"{label}: ", bold=True) + _run(value))
    notice = [b for b in doc.disclaimer if isinstance(b, Paragraph)]
    if not notice and not doc.meta.get("final"):  # a templates folder without a disclaimer still gets the marking
        body.paragraph("Draft Notice", _run(doc.meta["draft"], bold=True))
    for block in notice:
        body.paragraph("Draft Notice", _spans(block.spans))
    body.paragraph(None, _PAGE_BREAK)


def _about(body: _Body, doc: Document) -> None:
    """Write the small "About this document" block at the end: where the text came from, for the record."""
    body.paragraph(None, "")
    body.paragraph("Cover Meta", _run("About this document", bold=True), extra_ppr="<w:keepNext/>")
    body.paragraph(
        "Cover Meta",
        _run(
            f"{doc.meta['document']}, version {doc.version}. Assembled by policygen from the clause library "
            f"{doc.library_name} {doc.library_version}. The build digest and each clause's version and hash "
            "are in this file's document properties and in manifest.json."
        ),
    )


def _footer(document: DocxDocument, doc: Document) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = f"{doc.company} — {doc.title}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer
    p = footer.paragraphs[0]._p
    p.getparent().replace(
        p,
        parse_xml(
            f'<w:p xmlns:w="{_W_NS}"><w:pPr><w:pStyle w:val="{document.styles["Footer"].style_id}"/>'
            '<w:tabs><w:tab w:val="clear" w:pos="4680"/><w:tab w:val="clear" w:pos="9360"/>'
            f'<w:tab w:val="right" w:pos="{_text_width(document)}"/></w:tabs></w:pPr>'
            + _run(f"{doc.meta['footer']} · Version {doc.version}", bold=True)
            + "<w:r><w:tab/></w:r>"
            + _run("Page ")
            + _field("PAGE", "1")
            + _run(" of ")
            + _field("NUMPAGES", "1")
            + "</w:p>"
        ),
    )


def _properties(document: DocxDocument, doc: Document) -> None:
    props = document.core_properties
    props.title = _XML_BAD.sub("", f"{doc.title} — {doc.company}")[:255]
    props.subject = _XML_BAD.sub("", doc.meta["document"])[:255]
    props.author = "policygen"
    props.last_modified_by = "policygen"
    props.comments = f"{doc.meta['draft']}. Clause library {doc.library_name} {doc.library_version}."[:255]
    props.identifier = doc.meta["build-digest"]
    props.version = doc.version[:255]
    props.keywords = "child safety; draft"
    props.category = "Draft — not legal advice"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
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
    _app_properties(document, doc.company)


def render_docx(doc: Document, templates: Templates, toc_pages: list[str] | None = None) -> bytes:
    """Render the document as DOCX bytes, styled by the reference document.

    ``toc_pages`` holds the page number of each contents entry (from
    :func:`toc_entries` order), as a LibreOffice layout pass found them; the
    contents are then complete and Word is not asked to update fields on
    opening. Without them (or when their count does not match), the entries
    have no numbers and ``updateFields`` asks Word to fill them in.
    """
    document = _open_reference(templates)
    _set_paper(document, doc.paper)
    _properties(document, doc)
    _footer(document, doc)
    entries = toc_entries(doc)
    if toc_pages is not None and len(toc_pages) != len(entries):
        toc_pages = None
    if not toc_pages:
        document.settings.element.append(parse_xml(f'<w:updateFields xmlns:w="{_W_NS}" w:val="true"/>'))

    body = _Body(document)
    _cover(body, doc)
    _toc(body, entries, "Contents", toc_pages)

    _blocks(body, doc.intro)
    for sec in doc.sections:
        body.heading("Heading 1", sec.title, f"_Toc_s{sec.number}")
        _blocks(body, sec.intro)
        for clause in sec.clauses:
            body.heading("Heading 2", clause.title, "_Toc_c" + clause.number.replace(".", "_"))
            start = len(body.parts)
            _blocks(body, clause.blocks)
            body.mark(start, clause_bookmark(clause.id))
    for appendix in doc.appendices:
        body.heading("Appendix Heading", f"Appendix {appendix.number}. {appendix.title}", f"_Toc_a{appendix.number}")
        _blocks(body, appendix.intro)
    if not doc.meta.get("final"):  # published pages carry no build details; the properties keep them
        _about(body, doc)
    body.commit()
    if doc.notes:
        _footnotes(document, doc)
    return save_deterministic(document)


_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_FOOTNOTES_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
#: Footnote styles, added when a reference document lacks them (Word's built-in definitions, 9 pt text).
_FOOTNOTE_STYLES = (
    (
        "FootnoteText",
        '<w:style xmlns:w="{ns}" w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/>'
        '<w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="40" '
        'w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>',
    ),
    (
        "FootnoteReference",
        '<w:style xmlns:w="{ns}" w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/>'
        '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>',
    ),
)


def _footnotes(document: DocxDocument, doc: Document) -> None:
    """Add the footnotes part (real Word footnotes) for the document's notes, and the styles they use."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    styles = document.styles.element
    have = {el.get(f"{{{_W_NS}}}styleId") for el in styles.iterchildren(f"{{{_W_NS}}}style")}
    for style_id, xml in _FOOTNOTE_STYLES:
        if style_id not in have:
            styles.append(parse_xml(xml.format(ns=_W_NS)))
    notes = "".join(
        f'<w:footnote w:id="{n.number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> </w:t></w:r>{_spans(n.spans)}</w:p></w:footnote>'
        for n in doc.notes
    )
    blob = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{_W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        f"{notes}</w:footnotes>"
    ).encode()
    part = document.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype == _FOOTNOTES_RT:  # a reference document's own footnotes are replaced
            part.drop_rel(rid) if hasattr(part, "drop_rel") else part.rels.pop(rid)
    part.relate_to(Part(PackURI("/word/footnotes.xml"), _FOOTNOTES_CT, blob, part.package), _FOOTNOTES_RT)


def toc_entries(doc: Document) -> list[tuple[int, str, str]]:
    """Return the contents entries of a document: (level, text, bookmark), in order."""
    entries: list[tuple[int, str, str]] = []
    for sec in doc.sections:
        entries.append((1, f"{sec.number}. {sec.title}", f"_Toc_s{sec.number}"))
        if doc.toc_depth >= 2:
            entries.extend((2, f"{c.number} {c.title}", "_Toc_c" + c.number.replace(".", "_")) for c in sec.clauses)
    entries.extend((1, f"Appendix {a.number}. {a.title}", f"_Toc_a{a.number}") for a in doc.appendices)
    return entries


_APP_CT = "application/vnd.openxmlformats-officedocument.extended-properties+xml"


def _app_properties(document: DocxDocument, company: str) -> None:
    """Replace docProps/app.xml: the company, and policygen as the application."""
    blob = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Template>Normal.dotm</Template><Application>policygen</Application><Company>{_t(company)}</Company>"
        "<DocSecurity>0</DocSecurity><LinksUpToDate>false</LinksUpToDate></Properties>"
    ).encode()
    for part in document.part.package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = blob
            return


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


__all__ = [
    "render_docx",
    "save_deterministic",
    "custom_properties",
    "toc_entries",
    "PAPER",
    "clause_bookmark",
    "CLAUSE_BOOKMARK_PREFIX",
]
