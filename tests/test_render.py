"""Rendering: one model, three formats; values literal; DOCX structure; determinism."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import MINIMAL, build_tree, clause, make_library
from docx.oxml.ns import qn

from generator import api
from generator.documents.mdparse import MarkdownProblem, parse_markdown
from generator.documents.model import ListBlock, Paragraph, Span
from generator.documents.skeletons import load_templates
from generator.errors import RenderError
from generator.library.clauses import load_library
from generator.profile.profile import load_profile

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


def test_markdown_has_header_numbering_and_disclaimer(tmp_path: Path) -> None:
    md = build_for(tmp_path, MINIMAL).files["sop.md"].decode()
    assert _after_front_matter(md)[0] == "# Child Safety Escalation Procedure"
    assert "- **Company:** PixelPals" in md
    assert "- **Clause library:** test library 1.2.3" in md
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
    assert ("Draft Notice", "Draft — not legal advice, to be reviewed by counsel") in styles
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
    assert _after_front_matter(b.files["tips.md"].decode())[0] == "# Our Safety Page"
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
    assert "1. Is X settled? *(sop.triage.b, tos.prohibited.a)*" in md
    assert "2. Does Y apply? *(sop.triage.c)*" in md
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
    front = md[: md.index("\n---\n", 4)]
    assert front.startswith("---\ntitle: ") and '  build_digest: "sha256:' in front
    assert f'    - "{pin}"' in front and '  library_version: "1.2.3"' in front
    html = b.files["tos.html"].decode()
    assert f'<meta name="policygen:clauses" content="{pin}">' in html
    assert '<meta name="policygen:library-version" content="1.2.3">' in html
    d = docx.Document(io.BytesIO(b.files["tos.docx"]))
    assert d.core_properties.version == "1.2.3" and d.core_properties.identifier.startswith("sha256:")
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
    assert "build_digest" in front
    other_front = other.files["tos.md"].decode().split("\n---\n", 1)[0]
    assert other_front != front


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
    assert '<th scope="row">Safety</th><td>a|b@example.com</td>' in html
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
