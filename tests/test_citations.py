"""Citations in the documents (issue 13 §1): notes on each duty, the Sources annex, footnotes in Word.

Checked on every sample, clause by clause: each SOP clause that cites a
source in the library shows every one of its citations (source and URL) as a
numbered note referred to from the clause, and the SOP's Sources annex lists
each cited source once with its verification in words and a review date.
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from conftest import SAMPLES

from generator import api
from generator.documents.citations import VERIFICATION_WORDS, shown_citations
from generator.documents.model import ClauseBlock, ListBlock, Paragraph, Span, block_text, plain_text
from generator.documents.selection import selected
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile.profile import load_profile

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def builds():
    library, templates = load_library(), load_templates()
    return {
        p.stem: api.build(load_profile(p), library, templates, formats=("md", "html", "docx")) for p in SAMPLE_FILES
    }


def _refs(block: ClauseBlock) -> list[int]:
    found: list[int] = []

    def spans(ss: tuple[Span, ...]) -> None:
        found.extend(s.note for s in ss if s.note is not None)

    for b in block.blocks:
        if isinstance(b, Paragraph):
            spans(b.spans)
        elif isinstance(b, ListBlock):
            for item in b.items:
                spans(item.spans)
    return found


def _appendix(doc, ident):
    found = [a for a in doc.appendices if a.id == ident]
    return found[0] if found else None


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLE_FILES])
def test_every_cited_duty_in_the_sop_shows_its_citations(builds, sample: str) -> None:
    build = builds[sample]
    sop = build.documents["sop"]
    clauses = {c.id: c for c in selected(build.decisions, "sop")}
    notes = {n.number: plain_text(n.spans) for n in sop.notes}
    checked = 0
    for section in sop.sections:
        for block in section.clauses:
            citations = shown_citations(clauses[block.id], build.profile.data["jurisdictions"])
            refs = _refs(block)
            assert len(refs) == len(citations), (
                f"{sample}: {block.id} has {len(citations)} citations, {len(refs)} notes"
            )
            for ref, ct in zip(refs, citations, strict=True):
                assert ct["source"].strip() in notes[ref], (sample, block.id, ct["source"])
                assert ct["url"] in notes[ref], (sample, block.id, ct["url"])
                assert VERIFICATION_WORDS[ct["verified"]] in notes[ref]
                checked += 1
    assert checked, f"{sample}: no cited duty in the SOP"
    assert sorted(notes) == list(range(1, len(notes) + 1))
    md = build.files["sop.md"].decode()
    for number in notes:
        assert md.count(f"[^{number}]") == 2  # the reference and the note


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLE_FILES])
def test_every_sample_sop_has_a_sources_section_listing_each_source_once(builds, sample: str) -> None:
    build = builds[sample]
    sop = build.documents["sop"]
    sources = _appendix(sop, "sources")
    assert sources is not None and sources.title == "Sources"
    (listing,) = [b for b in sources.intro if isinstance(b, ListBlock)]
    lines = [plain_text(i.spans) for i in listing.items]
    urls = [next(s.href for s in i.spans if s.href) for i in listing.items]
    assert len(urls) == len(set(urls)), "a source is listed twice"
    clauses = selected(build.decisions, "sop")
    for c in clauses:
        for ct in shown_citations(c, build.profile.data["jurisdictions"]):
            (line,) = [line for line, url in zip(lines, urls, strict=True) if url == ct["url"]]
            assert ct["pinpoint"].strip() in line, (c.id, ct["pinpoint"])
    for line in lines:
        assert re.search(r"Last reviewed \d{4}-\d{2}-\d{2}; cited in clauses? \d", line), line
        assert any(w.capitalize() in line or w in line for w in VERIFICATION_WORDS.values()), line
    assert "## Appendix" in build.files["sop.md"].decode()


def test_terms_get_a_sources_annex_unless_no_sources(builds, tmp_path) -> None:
    tos = builds["hangout"].documents["tos"]
    assert _appendix(tos, "sources") is not None
    assert not tos.notes  # the published terms carry no footnotes
    b = api.build(
        load_profile(SAMPLES / "hangout.yaml"), load_library(), load_templates(), formats=("md",), sources=False
    )
    assert _appendix(b.documents["tos"], "sources") is None
    assert _appendix(b.documents["tips"], "sources") is None
    assert _appendix(b.documents["sop"], "sources") is not None  # the SOP keeps its sources


def test_no_sources_option_on_the_command_line(runner, tmp_path) -> None:
    from generator.cli import cli as main

    out = tmp_path / "out"
    result = runner.invoke(
        main, ["generate", str(SAMPLES / "minimal.yaml"), "-o", str(out), "--format", "md", "--no-sources"]
    )
    assert result.exit_code == 0, result.output
    assert "Appendix A. Sources" not in (out / "tos.md").read_text()
    assert "Sources" in (out / "sop.md").read_text()


def test_tips_sources_give_each_number_and_address_a_date(builds) -> None:
    tips = builds["hangout"].documents["tips"]
    assert not tips.notes
    sources = _appendix(tips, "sources")
    (table,) = [b for b in sources.intro if not isinstance(b, Paragraph)]
    shown = {plain_text(row[0]): plain_text(row[1]) for row in table.rows}
    assert "911" in shown and "https://takeitdown.ncmec.org" in shown
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in shown.values())
    assert len(shown) == len(table.rows)


def test_docx_carries_real_footnotes(builds) -> None:
    build = builds["minimal"]
    data = build.files["sop.docx"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        assert "word/footnotes.xml" in names
        footnotes = z.read("word/footnotes.xml").decode()
        body = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
        styles = z.read("word/styles.xml").decode()
    notes = build.documents["sop"].notes
    assert len(re.findall(r'<w:footnoteReference w:id="\d+"/>', body)) == len(notes)
    assert len(re.findall(r"<w:footnoteRef/>", footnotes)) == len(notes)
    assert "relationships/footnotes" in rels and "footnotes+xml" in types
    assert 'w:styleId="FootnoteText"' in styles and 'w:styleId="FootnoteReference"' in styles
    assert "law.cornell.edu/uscode/text/18/2258A" in footnotes
    with zipfile.ZipFile(io.BytesIO(build.files["tos.docx"])) as z:
        assert "word/footnotes.xml" not in z.namelist()


def test_html_notes_are_linked_both_ways(builds) -> None:
    html = builds["minimal"].files["sop.html"].decode()
    n = len(builds["minimal"].documents["sop"].notes)
    assert html.count('class="note-ref"') == n
    assert len(re.findall(r'<li id="note-\d+">', html)) == n
    assert f'href="#note-ref-{n}"' in html


def test_sources_text_has_no_verification_codes(builds) -> None:
    for build in builds.values():
        for doc in build.documents.values():
            for appendix in doc.appendices:
                text = "\n".join(block_text(b) for b in appendix.intro)
                assert not re.search(r"\((V|V2|P|UNVERIFIED)\)", text)


# --- issue 13 §7: the counsel appendix and the text itself ---------------------------------------

from generator.checks.lint import document_text, duplicate_headings, jargon_problems  # noqa: E402
from generator.documents.assemble import counsel_questions  # noqa: E402


@pytest.mark.parametrize("sample", [p.stem for p in SAMPLE_FILES])
def test_counsel_appendix_asks_each_question_once_and_at_most_20(builds, sample: str) -> None:
    build = builds[sample]
    asked = counsel_questions(build.decisions, build.profile)
    assert len(asked) <= 20, f"{sample}: {len(asked)} questions for counsel"
    appendix = _appendix(build.documents["sop"], "counsel-questions")
    lists = [b for b in appendix.intro if isinstance(b, ListBlock) and b.ordered]
    items = [plain_text(i.spans) for lst in lists for i in lst.items]
    assert len(items) == len(asked) == len(set(items))
    places = set(build.profile.data["jurisdictions"])
    for q in asked.values():
        assert q["jurisdiction"] in places | {"global"}, (sample, q["id"])


def test_no_duplicated_question_ids_and_one_wording_per_id() -> None:
    library = load_library()
    wording: dict[str, str] = {}
    for clause in library.clauses.values():
        ids = [q["id"] for q in clause.meta["counsel_questions"]]
        assert len(ids) == len(set(ids)), clause.id
        for q in clause.meta["counsel_questions"]:
            assert q["id"] != q["question"], f"{clause.id}: question without an id"
            text = " ".join(q["question"].split())
            assert wording.setdefault(q["id"], text) == text, f"{q['id']} is worded two ways"


def test_questions_are_grouped_by_jurisdiction_and_only_for_the_profile(builds) -> None:
    build = builds["clipcast"]  # US and UK only
    appendix = _appendix(build.documents["sop"], "counsel-questions")
    text = "\n".join(block_text(b) for b in appendix.intro)
    headings = [plain_text(b.spans) for b in appendix.intro if isinstance(b, Paragraph) and b.spans[0].bold]
    assert "United States" in headings and "United Kingdom" in headings
    assert "Australia" not in headings and "Canada" not in headings and "European Union" not in headings
    assert "Bill C-16" not in text and "eSafety" not in text
    hangout = "\n".join(block_text(b) for b in _appendix(builds["hangout"].documents["sop"], "counsel-questions").intro)
    assert hangout.count("C-16") == 1  # asked once, not four times
    assert "Ofcom" not in hangout  # a US, Canada and Australia service


def test_take_it_down_step_waits_for_counsels_answer(builds) -> None:
    sop = builds["hangout"].files["sop.md"].decode()
    assert "Only if counsel advises that we take part in Take It Down" in sop
    assert "Take It Down participation: should we take part" in sop


def test_a_legacy_plain_text_question_still_works(tmp_path) -> None:
    from conftest import clause, make_library

    root = make_library(
        tmp_path / "lib",
        {"sop/c.md": clause("sop.triage.c", extra="counsel_questions: ['Does Y apply?', 'Does Z apply?']")},
    )
    lib = load_library(root)
    (q, _) = lib.clauses["sop.triage.c"].meta["counsel_questions"]
    assert q == {"id": "Does Y apply?", "question": "Does Y apply?", "jurisdiction": None, "when": None}


#: Phrases of the routing tables (generator/documents/routing.py), which the c13-contacts branch
#: rewrites. Once merged, move them to library.yaml `jargon_phrases` and delete this xfail.
@pytest.mark.parametrize("sample", [p.stem for p in SAMPLE_FILES])
def test_no_tool_jargon_reaches_a_reader(builds, sample: str) -> None:
    library = load_library()
    for doc, document in builds[sample].documents.items():
        assert jargon_problems(document_text(document), library.settings) == [], (sample, doc)
        assert duplicate_headings(document) == [], (sample, doc)


def test_the_old_routing_placeholders_are_on_the_jargon_list() -> None:
    phrases = load_library().settings["jargon_phrases"]
    old = ("required by the library", "Through the registered channel in the clause", "From the company profile")
    assert set(old) <= set(phrases)


def test_jargon_lists_are_read_from_library_yaml_and_match(tmp_path) -> None:
    from conftest import make_library

    root = make_library(tmp_path / "lib")
    (root / "library.yaml").write_text(
        (root / "library.yaml").read_text() + "jargon_patterns: ['[(](?:V|V2|P|UNVERIFIED)[)]']\n"
    )
    settings = load_library(root).settings
    assert jargon_problems("kept 60 days (P)", settings)
    assert not jargon_problems("kept 60 days (not confirmed)", settings)
    assert jargon_problems("From the Company Profile", {"jargon_phrases": ["From the company profile"]})
    (root / "library.yaml").write_text((root / "library.yaml").read_text() + "jargon_phrases: []\n")
    bad = make_library(tmp_path / "bad")
    (bad / "library.yaml").write_text((bad / "library.yaml").read_text() + "jargon_patterns: ['(']\n")
    with pytest.raises(Exception, match="problem"):
        load_library(bad)


def test_a_clause_heading_that_repeats_its_section_is_found() -> None:
    import dataclasses

    from generator.documents.model import Section

    sec = Section(
        "11", "changes", "Changes to these terms", [], [ClauseBlock("11.1", "tos.x", "Changes to these terms", [])]
    )
    fake = dataclasses.make_dataclass("D", [("sections", list)])([sec])
    assert duplicate_headings(fake) == ["11. Changes to these terms / 11.1 Changes to these terms"]


def test_terms_name_the_legal_entity_and_governing_law(builds) -> None:
    tos = builds["boxdrop"].files["tos.md"].decode()
    assert "of BoxDrop, operated by BoxDrop GmbH, and explain" in tos and "governed by the law of Germany" in tos
    hangout = builds["hangout"].files["tos.md"].decode()
    assert "operated by Hangout Social Inc., and explain" in hangout
    minimal = builds["minimal"].files["tos.md"].decode()
    assert "operated by" not in minimal and "governed by" not in minimal


def test_lint_warns_on_a_v_citation_outside_the_primary_domains(tmp_path) -> None:
    from conftest import clause, make_library

    from generator.checks.lint import lint_library

    cite = (
        "citations:\n  - source: X Act\n    pinpoint: s.1\n    url: https://lawfirm-blog.example/x\n    verified: V\n"
    )
    root = make_library(tmp_path / "lib", {"tos/x.md": clause("tos.scope.x", extra=cite)})
    (root / "library.yaml").write_text((root / "library.yaml").read_text() + "primary_domains: [legislation.gov.uk]\n")
    report = lint_library(root, coverage=False)
    assert any("lawfirm-blog.example is not a primary or official source" in w.message for w in report.warnings)
    shipped = lint_library(coverage=False)
    assert not [w for w in shipped.warnings if "primary or official" in w.message]


def test_a_citation_of_another_jurisdictions_law_is_not_shown(builds) -> None:
    """A US-only service's documents cite no UK, EU, Canadian or Australian law (clauses mark whose law it is)."""
    library = load_library()
    minimal = builds["minimal"]
    text = "\n".join(plain_text(n.spans) for n in minimal.documents["sop"].notes)
    sources = "\n".join(block_text(b) for b in _appendix(minimal.documents["tos"], "sources").intro)
    for foreign in ("SI 2026/268", "Directive 2011/93/EU", "Online Safety Act 2023", "S.C. 2011, c. 4"):
        assert foreign not in text and foreign not in sources
    uk_cites = [
        ct for ct in library.clauses["tos.scope.definition-csam"].meta["citations"] if ct["jurisdiction"] == "uk"
    ]
    assert uk_cites
    campfire = "\n".join(block_text(b) for b in _appendix(builds["campfire"].documents["tos"], "sources").intro)
    assert "Online Safety Act 2023" in campfire  # a UK service does see them
