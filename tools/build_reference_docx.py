"""Build templates/docx/reference.docx, the Word reference document.

policygen's DOCX renderer takes every style (fonts, heading numbering, lists,
checklists, tables, table of contents, page size) from this reference
document, as pandoc does with ``--reference-doc``. A company can restyle its
documents by copying the file into its own ``--templates`` folder and editing
the styles in Word or LibreOffice; the style *names* below must stay.

The file is committed; this script documents how it was made and rebuilds it
byte for byte::

    python tools/build_reference_docx.py          # rewrite templates/docx/reference.docx
    python tools/build_reference_docx.py --check  # exit 1 if the committed file is stale
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.shared import Inches, Pt, RGBColor

from generator.render.docx import save_deterministic

TARGET = Path(__file__).resolve().parent.parent / "templates" / "docx" / "reference.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ACCENT = RGBColor(0x0B, 0x4A, 0x8C)
INK = RGBColor(0x1B, 0x1F, 0x24)
HEADING_NUM_ID = 90
CHECKLIST_NUM_ID = 91
BODY_FONT = "Calibri"

#: Multilevel list for Heading 1-3: 1. / 1.1 / 1.1.1
_HEADING_LEVELS = [("%1.", 0), ("%1.%2", 1), ("%1.%2.%3", 2)]


def _heading_numbering() -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        f'<w:pStyle w:val="Heading{ilvl + 1}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{567 + 284 * ilvl}" w:hanging="{567 + 284 * ilvl}"/></w:pPr></w:lvl>'
        for text, ilvl in _HEADING_LEVELS
    )
    return (
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{HEADING_NUM_ID}">'
        f'<w:nsid w:val="5047A001"/><w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
    )


def _checklist_numbering() -> str:
    return (
        f'<w:abstractNum xmlns:w="{W}" w:abstractNumId="{CHECKLIST_NUM_ID}">'
        '<w:nsid w:val="5047A002"/><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2610"/>'
        '<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="425" w:hanging="425"/></w:pPr>'
        '<w:rPr><w:rFonts w:ascii="Segoe UI Symbol" w:hAnsi="Segoe UI Symbol" w:cs="DejaVu Sans"/>'
        '<w:sz w:val="24"/></w:rPr></w:lvl></w:abstractNum>'
    )


def _num(num_id: int) -> str:
    return f'<w:num xmlns:w="{W}" w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>'


def _set_num(style, num_id: int, ilvl: int | None = None) -> None:
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(f"{{{W}}}numPr"):
        ppr.remove(old)
    lvl = f'<w:ilvl w:val="{ilvl}"/>' if ilvl is not None else ""
    ppr.insert(0, parse_xml(f'<w:numPr xmlns:w="{W}">{lvl}<w:numId w:val="{num_id}"/></w:numPr>'))


def build() -> bytes:
    """Return the reference document's bytes."""
    doc = Document()
    package = doc.part.package
    for rid, rel in list(package.rels.items()):  # the template's preview picture is of another document
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rid)
    for rid, rel in list(doc.part.rels.items()):  # a Word 2010 copy of styles.xml: 440 kB parsed per document
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.rels.pop(rid)

    styles = doc.styles
    # The template's ~100 table styles are 85% of styles.xml and are parsed for every document; the
    # renderer uses only "Table Grid" (and Word's default "Normal Table"), so the rest are left out.
    for style in list(styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in ("Table Grid", "Normal Table"):
            style.element.getparent().remove(style.element)
    normal = styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(11)
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    numbering = doc.part.numbering_part.element
    numbering.insert(0, parse_xml(_checklist_numbering()))
    numbering.insert(0, parse_xml(_heading_numbering()))
    numbering.append(parse_xml(_num(HEADING_NUM_ID)))
    numbering.append(parse_xml(_num(CHECKLIST_NUM_ID)))

    for level, size, before in ((1, 16, 20), (2, 13, 14), (3, 11.5, 10)):
        h = styles[f"Heading {level}"]
        h.font.name = BODY_FONT
        h.font.size = Pt(size)
        h.font.bold = True
        h.font.italic = False
        h.font.color.rgb = ACCENT if level == 1 else INK
        h.paragraph_format.space_before = Pt(before)
        h.paragraph_format.space_after = Pt(6)
        h.paragraph_format.keep_with_next = True
        _set_num(h, HEADING_NUM_ID, level - 1)

    appendix = styles.add_style("Appendix Heading", WD_STYLE_TYPE.PARAGRAPH)
    appendix.base_style = styles["Heading 1"]
    appendix.next_paragraph_style = normal
    _set_num(appendix, 0)  # numId 0: no number; "Appendix A." is in the text
    appendix.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl xmlns:w="{W}" w:val="0"/>'))

    title = styles["Title"]
    title.font.name = BODY_FONT
    title.font.size = Pt(28)
    title.font.color.rgb = INK
    subtitle = styles["Subtitle"]
    subtitle.font.name = BODY_FONT
    subtitle.font.size = Pt(14)
    subtitle.font.italic = False
    subtitle.font.color.rgb = ACCENT

    cover = styles.add_style("Cover Meta", WD_STYLE_TYPE.PARAGRAPH)
    cover.base_style = normal
    cover.paragraph_format.space_after = Pt(2)

    draft = styles.add_style("Draft Notice", WD_STYLE_TYPE.PARAGRAPH)
    draft.base_style = normal
    draft.paragraph_format.space_before = Pt(12)
    draft.element.get_or_add_pPr().append(
        parse_xml(
            f'<w:pBdr xmlns:w="{W}"><w:top w:val="single" w:sz="8" w:space="4" w:color="8A5A00"/>'
            '<w:left w:val="single" w:sz="24" w:space="4" w:color="8A5A00"/>'
            '<w:bottom w:val="single" w:sz="8" w:space="4" w:color="8A5A00"/>'
            '<w:right w:val="single" w:sz="8" w:space="4" w:color="8A5A00"/></w:pBdr>'
        )
    )
    draft.element.get_or_add_pPr().append(parse_xml(f'<w:shd xmlns:w="{W}" w:val="clear" w:fill="FFF4D6"/>'))

    checklist = styles.add_style("Checklist", WD_STYLE_TYPE.PARAGRAPH)
    checklist.base_style = normal
    checklist.paragraph_format.space_after = Pt(3)
    _set_num(checklist, CHECKLIST_NUM_ID, 0)

    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(9.5)
    table_text.paragraph_format.space_after = Pt(0)
    table_text.paragraph_format.line_spacing = 1.0

    caption = styles["Caption"]
    caption.font.size = Pt(10)
    caption.font.color.rgb = INK
    caption.font.bold = True
    caption.paragraph_format.keep_with_next = True

    toc_heading = styles["TOC Heading"]
    _set_num(toc_heading, 0)
    toc_heading.font.color.rgb = ACCENT
    for level in (1, 2, 3):
        toc = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        toc.element.set(f"{{{W}}}styleId", f"TOC{level}")
        toc.base_style = normal
        toc.paragraph_format.space_after = Pt(2 if level > 1 else 4)
        toc.paragraph_format.left_indent = Pt(14 * (level - 1))
        toc.font.bold = level == 1
        # A right tab with dot leaders at the text width (Letter, 1 inch margins).
        toc.element.get_or_add_pPr().append(
            parse_xml(f'<w:tabs xmlns:w="{W}"><w:tab w:val="right" w:leader="dot" w:pos="9350"/></w:tabs>')
        )

    # Footnotes (the SOP's citations): Word's built-in "footnote text" and "footnote reference",
    # written as XML so their style ids are the ones Word uses.
    from generator.render.docx import _FOOTNOTE_STYLES

    for _, xml in _FOOTNOTE_STYLES:
        styles.element.append(parse_xml(xml.format(ns=W)))

    for name in ("Header", "Footer"):
        style = styles[name]
        style.font.size = Pt(8.5)
        style.font.color.rgb = RGBColor(0x4A, 0x53, 0x60)

    section = doc.sections[0]
    section.left_margin = section.right_margin = Inches(1)
    section.top_margin = section.bottom_margin = Inches(1)

    props = doc.core_properties
    fixed = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    props.title = "policygen reference document"
    props.author = "policygen"
    props.last_modified_by = "policygen"
    props.created = props.modified = props.last_printed = fixed
    props.revision = 1
    return save_deterministic(doc)


def main(argv: list[str]) -> int:
    """Write or check the reference document."""
    data = build()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_bytes() != data:
            print(f"{TARGET} is stale; run python tools/build_reference_docx.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(data)
    print(f"wrote {TARGET} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
