"""Rendering: one model, three formats; values literal; DOCX structure; determinism."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import MINIMAL, SAMPLES, build_tree, clause, make_library
from docx.oxml.ns import qn

from generator import api
from generator.documents.mdparse import MarkdownProblem, parse_markdown
from generator.documents.model import ListBlock, Paragraph, Span
from generator.documents.skeletons import load_templates
from generator.errors import RenderError
from generator.library.clauses import load_library
from generator.profile.profile import load_profile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
HOSTILE = "{{ 7*7 }} <script>alert(1)</script> *Pals* & [x](javascript:alert(1)) # 1."


def build_for(tmp_path: Path, profile_text: str, clauses: dict | None = None) -> api.Build:
    lib = load_library(make_library(tmp_path / "lib", clauses))
    p = tmp_path / "p.yaml"
    p.write_text(profile_text, encoding="utf-8")
    return api.build(load_profile(p), lib, load_templates())


def hostile_profile() -> str:
    return MINIMAL.replace("name: PixelPals", "name: '" + HOSTILE.replace("'", "''") + "'")


def test_parse_markdown_blocks() -> None:
    blocks = parse_markdown("Intro with **bold** and [a link](https://x.example).\n\n1. one\n2. two\n    - nested\n")
    assert isinstance(blocks[0], Paragraph)
    assert blocks[0].spans[1] == Span("bold", bold=True)
    assert blocks[0].spans[3] == Span("a link", href="https://x.example")
    lst = blocks[1]
    assert isinstance(lst, ListBlock) and lst.ordered and len(lst.items) == 2
    assert isinstance(lst.items[1].children[0], ListBlock)


@pytest.mark.parametrize("text", ["# Heading", "> quote", "    code block", "---\n", "![img](x.png)"])
def test_unsupported_markdown_is_refused(text: str) -> None:
    with pytest.raises(MarkdownProblem):
        parse_markdown("para\n\n" + text + "\n")


def test_raw_html_in_a_clause_is_text() -> None:
    blocks = parse_markdown("a <b>b</b> &amp; c")
    assert blocks[0].spans == (Span("a <b>b</b> &amp; c"),)


def test_hostile_company_name_is_literal_everywhere(tmp_path: Path) -> None:
    b = build_for(tmp_path, hostile_profile())
    html = b.files["tos.html"].decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and not re.search(r"(?<![0-9a-f])49(?![0-9a-f])", html)
    assert 'href="javascript' not in html
    md = b.files["tos.md"].decode()
    assert "Do not share CSAM on {{ 7\\*7 }} \\<script\\>" in md or "\\<script\\>" in md
    assert not re.search(r"(?<![0-9a-f])49(?![0-9a-f])", md)
    d = docx.Document(io.BytesIO(b.files["tos.docx"]))
    assert any(HOSTILE in p.text for p in d.paragraphs)


def test_markdown_output_reparses_to_the_same_text(tmp_path: Path) -> None:
    """Escaping in the .md output is right: parsing it back gives the literal name."""
    b = build_for(tmp_path, hostile_profile())
    md = b.files["tos.md"].decode()
    body_line = next(line for line in md.splitlines() if line.startswith("Do not share"))
    (para,) = parse_markdown(body_line)
    assert "".join(s.text for s in para.spans) == f"Do not share CSAM on {HOSTILE}."


def _after_front_matter(md: str) -> list[str]:
    """The non-empty lines after the YAML front matter."""
    assert md.startswith("---\n")
    end = md.index("\n---\n", 4)
    return [line for line in md[end + 5 :].splitlines() if line]


def _front_matter(md: str) -> dict:
    import yaml

    return yaml.safe_load(md[4 : md.index("\n---\n", 4)])


def test_markdown_has_header_numbering_and_disclaimer(tmp_path: Path) -> None:
    md = build_for(tmp_path, MINIMAL).files["sop.md"].decode()
    # front matter: only what pandoc and static-site generators read; no date until the profile sets one
    assert _front_matter(md) == {"title": "Child Safety Escalation Procedure — PixelPals", "lang": "en"}
    # the title is in the front matter only, so pandoc does not print it twice
    assert not any(line.startswith("# ") for line in md.splitlines())
    assert _after_front_matter(md)[0] == "- **Company:** PixelPals"
    assert "- **Version:** 1.0" in md and "Clause library" not in md.split("\n---\n")[1]
    assert "- **Effective date:** to be set before publication" in md
    assert "> **Draft — not legal advice.**" in md
    assert "## 1. Triage and severity" in md and "### 1.1 Title of sop.triage.first-look" in md
    assert "1. Open the case.\n2. Record the time." in md


def test_html_is_standalone_and_structured(tmp_path: Path) -> None:
    html = build_for(tmp_path, MINIMAL).files["tips.html"].decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "<style>" in html and "@media print" in html
    assert '<nav class="toc" aria-label="Contents">' in html and '<main id="main">' in html
    assert "Draft — not legal advice." in html
    assert "<link" not in html and "<script" not in html


def test_docx_uses_real_styles_and_draft_marking(tmp_path: Path) -> None:
    clauses = {
        "tos/a.md": clause(
            "tos.prohibited.one",
            "First:\n\n1. a\n2. b\n\nSecond:\n\n1. c\n2. d\n\nThird:\n\n- x\n    - y",
        ),
        "sop/a.md": clause("sop.triage.first-look"),
        "tips/a.md": clause("tips.everyone.report"),
    }
    d = docx.Document(io.BytesIO(build_for(tmp_path, MINIMAL, clauses).files["tos.docx"]))
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Title", "Child Safety Terms") in styles
    # Heading numbers (1, 1.1) come from the reference document's multilevel list, not the text
    assert ("Heading 1", "What is prohibited") in styles
    assert ("Heading 2", "Title of tos.prohibited.one") in styles
    heading_num = {p.style.name: p.style.element.pPr.numPr for p in d.paragraphs if p.style.name.startswith("Heading")}
    assert heading_num["Heading 1"].ilvl.val == 0 and heading_num["Heading 2"].ilvl.val == 1
    assert heading_num["Heading 1"].numId.val == heading_num["Heading 2"].numId.val
    # cover block with the draft notice, then a TOC field whose entries link to the headings
    notices = [t for name, t in styles if name == "Draft Notice"]
    assert len(notices) == 1 and notices[0].startswith("Draft — not legal advice.")  # once, not twice
    assert sum("not legal advice" in t for name, t in styles[:8]) == 1
    body_xml = d.element.body.xml
    assert 'TOC \\o "1-2" \\h \\z \\u' in body_xml
    assert ("toc 2", "1.1 Title of tos.prohibited.one") in styles
    assert 'w:anchor="_Toc_c1_1"' in body_xml and 'w:name="_Toc_c1_1"' in body_xml
    assert "updateFields" in d.settings.element.xml
    assert ("List Number", "a") in styles and ("List Bullet", "x") in styles and ("List Bullet 2", "y") in styles
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("Draft — not legal advice") and "Page 1 of 1" in footer.text
    assert "PAGE" in footer._p.xml and "NUMPAGES" in footer._p.xml
    assert d.core_properties.title == "Child Safety Terms — PixelPals"
    assert d.core_properties.author == "policygen"
    # each numbered list restarts: the two lists use different numbering instances
    num_ids = {
        p._p.pPr.numPr.numId.val for p in d.paragraphs if p.style.name == "List Number" and p._p.pPr.numPr is not None
    }
    assert len(num_ids) == 2


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = build_for(tmp_path / "a", MINIMAL).files
    second = build_for(tmp_path / "b", MINIMAL).files
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    with zipfile.ZipFile(io.BytesIO(first["tos.docx"])) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_clause_error_names_file_and_line(tmp_path: Path) -> None:
    clauses = {
        "tos/a.md": clause("tos.prohibited.x", "Fine line.\n\n{{ company.nmae }}"),
        "sop/a.md": clause("sop.triage.first-look"),
        "tips/a.md": clause("tips.everyone.report"),
    }
    with pytest.raises(RenderError) as info:
        build_for(tmp_path, MINIMAL, clauses)
    problem = info.value.problems[0]
    assert problem.file.endswith("tos/a.md") and problem.line == 12


def test_manifest_lists_clauses_hashes_and_reasons(tmp_path: Path) -> None:
    import json

    b = build_for(tmp_path, MINIMAL)
    m = json.loads(b.files["manifest.json"])
    assert m["library"] == {"name": "test library", "version": "1.2.3"}
    assert m["profile"]["digest"].startswith("sha256:")
    (entry,) = m["documents"]["tos"]["clauses"]
    assert entry["id"] == "tos.prohibited.sharing" and entry["number"] == "1.1"
    assert entry["reason"] == "global baseline: applies to every profile"
    assert entry["hash"].startswith("sha256:")
    assert set(m["documents"]["tos"]["files"]) == {"md", "html", "docx"}


def test_templates_folder_overrides_builtin(tmp_path: Path) -> None:
    """A --templates folder is searched first: CSS and skeletons can be replaced."""
    from conftest import build_tree

    from generator.documents.skeletons import load_templates as lt

    custom = build_tree(
        tmp_path / "tpl",
        {
            "html/style.css": "body { color: rebeccapurple; }\n",
            "documents/tips.yaml": "title: Our Safety Page\nsections:\n  - {id: everyone, title: For all}\n",
        },
    )
    lib = load_library(make_library(tmp_path / "lib"))
    p = tmp_path / "p.yaml"
    p.write_text(MINIMAL)
    b = api.build(load_profile(p), lib, lt(custom), docs=("tips",), formats=("md", "html"))
    assert "rebeccapurple" in b.files["tips.html"].decode()
    assert _front_matter(b.files["tips.md"].decode())["title"] == "Our Safety Page — PixelPals"
    assert "## 1. For all" in b.files["tips.md"].decode()


def test_counsel_appendix_merges_repeated_questions(tmp_path: Path) -> None:
    q = "counsel_questions: ['Is X settled?']"
    clauses = {
        "tos/a.md": clause("tos.prohibited.a", extra=q),
        "sop/a.md": clause("sop.triage.b", extra=q),
        "sop/c.md": clause("sop.triage.c", extra="counsel_questions: ['Does Y apply?']"),
        "tips/a.md": clause("tips.everyone.report"),
    }
    md = build_for(tmp_path, MINIMAL, clauses).files["sop.md"].decode()
    assert "## Appendix A. Questions for counsel" in md
    # Asked once, under "Every jurisdiction", naming the SOP clause by number and the ToS clause by title.
    assert "**Every jurisdiction**" in md
    assert "1. Is X settled? *(clause 1.1; Terms of Service: Title of tos.prohibited.a)*" in md
    assert "2. Does Y apply? *(clause 1.2)*" in md
    assert "Questions for counsel" not in build_for(tmp_path / "t", MINIMAL, clauses).files["tos.md"].decode()


def test_label_filter_names_tools(tmp_path: Path) -> None:
    clauses = {
        "tos/a.md": clause("tos.prohibited.a", "We use {{ detection.hash_matching | map('label') | human_list }}."),
        "sop/a.md": clause("sop.triage.b"),
        "tips/a.md": clause("tips.everyone.report"),
    }
    md = build_for(tmp_path, MINIMAL + "detection: {hash_matching: [photodna, csai-match]}\n", clauses).files["tos.md"]
    assert "We use PhotoDNA and CSAI Match." in md.decode()


def test_documents_record_library_version_and_clause_hashes(tmp_path: Path) -> None:
    b = build_for(tmp_path, MINIMAL)
    lib = load_library(tmp_path / "lib")
    c = lib.clauses["tos.prohibited.sharing"]
    pin = f"tos.prohibited.sharing@1.0.0#{c.content_hash.removeprefix('sha256:')[:12]}"
    md = b.files["tos.md"].decode()
    about = md.rsplit("\n---\n", 1)[1]  # provenance is at the end of the Markdown, and in the manifest
    assert about.startswith("\n**About this document.**") and "test library 1.2.3" in about
    assert "build digest `sha256:" in about and "profile digest `sha256:" in about.lower()
    manifest = json.loads(b.files["manifest.json"])
    pinned = {(c["id"], c["version"], c["hash"]) for c in manifest["documents"]["tos"]["clauses"]}
    assert ("tos.prohibited.sharing", "1.0.0", c.content_hash) in pinned
    html = b.files["tos.html"].decode()
    assert f'<meta name="policygen:clauses" content="{pin}">' in html
    assert '<meta name="policygen:library-version" content="1.2.3">' in html
    d = docx.Document(io.BytesIO(b.files["tos.docx"]))
    assert d.core_properties.version == "1.0" and d.core_properties.identifier.startswith("sha256:")
    from generator.render.docx import custom_properties

    custom = custom_properties(b.files["tos.docx"])
    assert pin in custom["policygen.clauses"] and custom["policygen.library-version"] == "1.2.3"
    assert custom["policygen.build-digest"] == d.core_properties.identifier
    # the build digest changes when a clause changes
    other = build_for(
        tmp_path / "x",
        MINIMAL,
        {
            "tos/a.md": clause("tos.prohibited.sharing", "Changed text."),
            "sop/a.md": clause("sop.triage.first-look"),
            "tips/a.md": clause("tips.everyone.report"),
        },
    )
    other_about = other.files["tos.md"].decode().rsplit("\n---\n", 1)[1]
    assert other_about != about


def test_checklists_render_with_boxes_in_every_format(tmp_path: Path) -> None:
    clauses = {
        "tos/a.md": clause("tos.prohibited.a"),
        "sop/a.md": clause(
            "sop.triage.b", "Before closing:\n\n- [ ] hash recorded\n- [ ] report ID noted\n\nThen:\n\n- plain item"
        ),
        "tips/a.md": clause("tips.everyone.report"),
    }
    b = build_for(tmp_path, MINIMAL, clauses)
    md = b.files["sop.md"].decode()
    assert "- [ ] hash recorded\n- [ ] report ID noted" in md and "- plain item" in md
    html = b.files["sop.html"].decode()
    assert '<ul class="checklist">\n<li>hash recorded</li>' in html
    d = docx.Document(io.BytesIO(b.files["sop.docx"]))
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Checklist", "hash recorded") in styles and ("List Bullet", "plain item") in styles
    # the Checklist style's numbering draws a ballot box
    num_id = d.styles["Checklist"].element.pPr.numPr.numId.val
    assert "\u2610" in d.part.numbering_part.element.num_having_numId(num_id).xml or "\u2610" in (
        d.part.numbering_part.element.xml
    )


def test_a_list_with_some_boxes_stays_a_plain_list() -> None:
    (block,) = parse_markdown("- [ ] one\n- two")
    assert not block.checklist and block.items[0].spans[0].text == "[ ] one"


def test_tables_render_in_every_format() -> None:
    from generator.documents.model import Document, Section, Span, Table
    from generator.documents.skeletons import load_templates as lt
    from generator.render.docx import render_docx
    from generator.render.html import render_html
    from generator.render.markdown import render_markdown

    table = Table("Contacts | sheet", ("Who", "How"), (((Span("Safety"),), (Span("a|b@example.com"),)),))
    doc = Document(
        kind="sop",
        title="T",
        company="C",
        library_name="lib",
        library_version="1.0.0",
        effective_date="2026-01-01",
        disclaimer=[],
        intro=[],
        sections=[Section("1", "quick", "Quick", [table], [])],
        meta={
            "document": "SOP",
            "footer": "Draft",
            "draft": "Draft — not legal advice, to be reviewed by counsel",
            "profile-digest": "0" * 64,
            "build-digest": "sha256:" + "1" * 64,
            "clauses": "",
        },
    )
    templates = lt()
    md = render_markdown(doc, templates).decode()
    assert "| Who | How |\n|---|---|\n| Safety | a\\|b@example.com |" in md
    html = render_html(doc, templates).decode()
    assert "<caption>Contacts | sheet</caption>" in html and '<th scope="col">Who</th>' in html
    assert '<th scope="row">Safety</th><td data-label="How">a|b@example.com</td>' in html
    d = docx.Document(io.BytesIO(render_docx(doc, templates)))
    (t,) = d.tables
    assert [c.text for c in t.rows[0].cells] == ["Who", "How"] and t.rows[1].cells[1].text == "a|b@example.com"
    assert "w:tblHeader" in t.rows[0]._tr.xml  # the header row repeats on each page


def test_reference_document_defines_every_style_the_renderer_uses() -> None:
    from generator.documents.skeletons import load_templates as lt
    from generator.render.docx import REQUIRED_STYLES

    d = docx.Document(lt().find("docx/reference.docx"))
    names = {s.name for s in d.styles}
    assert set(REQUIRED_STYLES) <= names
    assert {"toc 1", "toc 2"} <= names
    # Heading 1-3 share one multilevel list: 1. / 1.1 / 1.1.1
    numbering = d.part.numbering_part.element
    num_id = d.styles["Heading 1"].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(num_id).abstractNumId.val
    from lxml import etree

    found = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == str(abstract))
    xml = etree.tostring(found).decode()
    assert all(t in xml for t in ('w:val="%1."', 'w:val="%1.%2"', 'w:val="%1.%2.%3"'))
    assert not d.paragraphs  # the body is empty; the renderer fills it


def test_a_broken_reference_document_is_a_clear_error(tmp_path: Path) -> None:
    from generator.documents.skeletons import load_templates as lt
    from generator.errors import LibraryError

    tpl = build_tree(tmp_path / "tpl", {"docx/reference.docx": "not a zip"})
    lib = load_library(make_library(tmp_path / "lib"))
    p = tmp_path / "p.yaml"
    p.write_text(MINIMAL)
    with pytest.raises(LibraryError) as err:
        api.build(load_profile(p), lib, lt(tpl), formats=("docx",))
    assert "reference.docx" in err.value.render() and "not a Word document" in err.value.render()


def _docx(tmp_path: Path, profile_text: str = MINIMAL, toc_pages=None):
    from generator.render.docx import render_docx, toc_entries

    b = build_for(tmp_path, profile_text)
    doc = b.documents["tos"]
    pages = None if toc_pages is None else [str(i + 3) for i in range(len(toc_entries(doc)))]
    from generator.documents.skeletons import load_templates

    return docx.Document(io.BytesIO(render_docx(doc, load_templates(), pages)))


def test_docx_cover_shows_the_document_version_and_no_build_details(tmp_path: Path) -> None:
    text = MINIMAL + "effective_date: 2027-01-15\ndocument:\n  version: '2.3'\n"
    d = _docx(tmp_path, text)
    styles = [(p.style.name, p.text) for p in d.paragraphs]
    cover = [t for name, t in styles if name == "Cover Meta"][:3]
    assert cover == ["Document: Terms of Service", "Version: 2.3", "Effective date: 2027-01-15"]
    first_page = " ".join(t for _, t in styles[: styles.index(("TOC Heading", "Contents"))])
    assert "test library" not in first_page and "Build" not in first_page and "sha256" not in first_page
    about = [t for _, t in styles[-3:]]
    assert "About this document" in about and any("test library 1.2.3" in t for t in about)
    assert d.core_properties.version == "2.3"
    assert "Version 2.3" in d.sections[0].footer.paragraphs[0].text


@pytest.mark.parametrize(
    ("jurisdictions", "paper", "size"),
    [
        ("[uk]", None, (11906, 16838)),
        ("[eu, au]", None, (11906, 16838)),
        ("[us]", None, (12240, 15840)),
        ("[uk, ca]", None, (12240, 15840)),
        ("[us]", "a4", (11906, 16838)),
        ("[uk]", "letter", (12240, 15840)),
    ],
)
def test_docx_paper_is_a4_unless_us_or_ca_and_the_profile_can_choose(tmp_path, jurisdictions, paper, size) -> None:
    text = MINIMAL.replace("jurisdictions: [us]", f"jurisdictions: {jurisdictions}")
    if paper:
        text += f"document:\n  paper: {paper}\n"
    d = _docx(tmp_path, text)
    section = d.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == size
    text_width = size[0] - section.left_margin.twips - section.right_margin.twips
    for table in d.element.body.iter(f"{{{W}}}tbl"):
        widths = [int(c.get(f"{{{W}}}w")) for c in table.iter(f"{{{W}}}gridCol")]
        assert sum(widths) <= text_width
    footer_tab = d.sections[0].footer.paragraphs[0]._p.xpath(".//w:tab[@w:val='right']")[0]
    assert int(footer_tab.get(f"{{{W}}}pos")) == text_width


def test_docx_paper_and_version_are_validated(tmp_path: Path) -> None:
    from generator.errors import ProfileError

    with pytest.raises(ProfileError) as info:
        build_for(tmp_path, MINIMAL + "document:\n  paper: a5\n  version: 1.10\n")
    text = str(info.value.render())
    assert "document.paper: unknown value 'a5'; allowed: a4, letter" in text
    assert "document.version: expected text, got 1.1 (a number)" in text


def test_docx_toc_with_page_numbers_does_not_ask_word_to_update_fields(tmp_path: Path) -> None:
    without = _docx(tmp_path / "a")
    assert "updateFields" in without.settings.element.xml
    d = _docx(tmp_path / "b", toc_pages=True)
    assert "updateFields" not in d.settings.element.xml
    toc = [p.text for p in d.paragraphs if p.style.name.startswith("toc ")]
    assert toc and all(re.fullmatch(r".+\t\d+", t) for t in toc), toc


def test_docx_tips_contents_list_the_audience_sections_only(tmp_path: Path) -> None:
    from generator.documents.skeletons import load_templates

    b = api.build(load_profile(SAMPLES / "hangout.yaml"), load_library(), load_templates(), ("tips", "sop"), ("docx",))
    tips = docx.Document(io.BytesIO(b.files["tips.docx"]))
    levels = {p.style.name for p in tips.paragraphs if p.style.name.startswith("toc ")}
    assert levels == {"toc 1"} and 'TOC \\o "1-1"' in tips.element.body.xml
    sop = docx.Document(io.BytesIO(b.files["sop.docx"]))
    assert {p.style.name for p in sop.paragraphs if p.style.name.startswith("toc ")} == {"toc 1", "toc 2"}


def test_docx_lists_leave_room_for_two_digit_numbers(tmp_path: Path) -> None:
    items = "\n".join(f"{i}. item {i}" for i in range(1, 18))
    clauses = {
        "tos/a.md": clause("tos.prohibited.one", items),
        "sop/a.md": clause("sop.triage.first-look"),
        "tips/a.md": clause("tips.everyone.report"),
    }
    d = docx.Document(io.BytesIO(build_for(tmp_path, MINIMAL, clauses).files["tos.docx"]))
    numbering = d.part.numbering_part.element
    num_id = next(p._p.pPr.numPr.numId.val for p in d.paragraphs if p.style.name == "List Number")
    num = numbering.num_having_numId(num_id)
    ind = num.xpath("./w:lvlOverride/w:lvl/w:pPr/w:ind")
    assert ind and int(ind[0].get(f"{{{W}}}hanging")) >= 500  # 0.25 in (360) left "17." touching its text


def test_docx_table_cells_never_hyphenate_and_fit_their_longest_word() -> None:
    from generator.documents.model import Span, Table
    from generator.render.docx import _TABLE_CHAR, _column_widths

    table = Table(
        "Severity levels",
        ("Level", "Owner", "Internal target"),
        (((Span("Emergency"),), (Span("On-call lead " * 20),), (Span("Within one hour of detection " * 5),)),),
    )
    level = _column_widths(table, 9026)[0]
    assert level >= len("Emergency") * _TABLE_CHAR + 216


def test_pandoc_prints_the_title_once(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed")
    md = build_for(tmp_path, MINIMAL).files["tos.md"].decode()
    html = subprocess.run(
        ["pandoc", "-s", "-f", "markdown", "-t", "html"], input=md, capture_output=True, text=True, check=True
    ).stdout
    body = html[html.index("<body>") :]
    assert body.count("Child Safety Terms") == 1, body[:600]
