"""policygen absorb (issue 17): a Word document edited in Word's own format comes back into the clause library;
hostile, foreign and other-build documents are refused with exit 2 and nothing written."""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from test_diff import run

from generator.render.docx import clause_bookmark
from generator.review import absorb as A

PROFILE = SAMPLES / "pixelpals.yaml"
GEN = ["--doc", "tos", "--format", "docx", "--no-toc-pages", "-q"]
REV = 'w:author="A. Counsel" w:date="2026-12-01T10:00:00Z"'


@pytest.fixture()
def lib(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "clauses", tmp_path / "clauses")
    shutil.copytree(REPO / "clauses", tmp_path / "old")
    return tmp_path / "clauses"


def _generate(lib: Path, out: Path) -> Path:
    result = run("generate", PROFILE, "--library", lib, "-o", out, *GEN)
    assert result.exit_code == 0, result.output
    return out / "tos.docx"


def _rewrite(docx: Path, target: Path, edits: list[tuple[str, str]], extra: dict[str, bytes] | None = None) -> None:
    """Copy a DOCX, replacing text in word/document.xml (each old string must occur once) and adding parts."""
    with zipfile.ZipFile(docx) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts["word/document.xml"].decode()
    for old, new in edits:
        assert xml.count(old) == 1, old
        xml = xml.replace(old, new)
    parts["word/document.xml"] = xml.encode()
    parts.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    target.write_bytes(buf.getvalue())


T = '<w:r><w:t xml:space="preserve">{}</w:t></w:r>'
COMMENTS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:comment w:id="7" w:author="A. Counsel" w:date="2026-12-01T10:05:00Z"><w:p><w:r><w:t>Check the age with '
    b"the UK team.</w:t></w:r></w:p></w:comment></w:comments>"
)

WORD_EDITS = [
    # a reworded phrase: Word's w:del / w:ins inside the paragraph
    (
        T.format(
            "It does not matter whether the conversation has turned sexual yet: we act on the pattern of behaviour. "
            "Adults who seek out contact with minors they do not know may have their accounts restricted or closed."
        ),
        T.format("It does not matter whether the conversation has turned sexual yet: we act on the ")
        + f'<w:del w:id="901" {REV}><w:r><w:delText>pattern of behaviour</w:delText></w:r></w:del>'
        + f'<w:ins w:id="902" {REV}>'
        + T.format("whole pattern of conduct")
        + "</w:ins>"
        + T.format(
            ". Adults who seek out contact with minors they do not know may have their accounts restricted or closed."
        ),
    ),
    # a deleted bullet: its text and its paragraph mark deleted (a paragraph-mark revision)
    (
        '<w:p><w:pPr><w:pStyle w:val="ListBullet"/></w:pPr>'
        + T.format("ask for, offer, buy, sell, swap or trade CSAM, or ask where to find it;"),
        f'<w:p><w:pPr><w:pStyle w:val="ListBullet"/><w:rPr><w:del w:id="903" {REV}/></w:rPr></w:pPr>'
        f'<w:del w:id="904" {REV}><w:r><w:delText xml:space="preserve">ask for, offer, buy, sell, swap or trade CSAM, '
        "or ask where to find it;</w:delText></w:r></w:del>",
    ),
    # a new paragraph typed after a clause's last one (an inserted paragraph mark), with a comment
    (
        '<w:p><w:r><w:t xml:space="preserve">Where someone\'s age is unclear',
        '<w:p><w:commentRangeStart w:id="7"/><w:r><w:t xml:space="preserve">Where someone\'s age is unclear',
    ),
    (
        "or by how the content describes them.</w:t></w:r>",
        'or by how the content describes them.</w:t></w:r><w:commentRangeEnd w:id="7"/>'
        '<w:r><w:commentReference w:id="7"/></w:r>',
    ),
    (
        '</w:t></w:r><w:commentRangeEnd w:id="7"/><w:r><w:commentReference w:id="7"/></w:r>'
        '<w:bookmarkEnd w:id="5"/></w:p>',
        '</w:t></w:r><w:commentRangeEnd w:id="7"/><w:r><w:commentReference w:id="7"/></w:r><w:bookmarkEnd w:id="5"/>'
        f'</w:p><w:p><w:pPr><w:rPr><w:ins w:id="905" {REV}/></w:rPr></w:pPr><w:ins w:id="906" {REV}>'
        + T.format("The same applies to drawings and generated images.")
        + "</w:ins></w:p>",
    ),
    # the company name, a profile value, changed without tracking
    (
        "part of the agreement between you and PixelPals. They apply",
        "part of the agreement between you and PixelPals Limited. They apply",
    ),
]


def _paragraphs(docx: Path) -> list[str]:
    edited = A.read_edited(docx.read_bytes(), str(docx))
    return [t for _, _, t, _ in A._joined(edited.paragraphs, accepted=True) if t.strip()]


def test_word_tracked_changes_come_back_into_the_library(tmp_path: Path, lib: Path) -> None:
    docx = _generate(lib, tmp_path / "out")
    edited = tmp_path / "tos-counsel.docx"
    _rewrite(docx, edited, WORD_EDITS, {"word/comments.xml": COMMENTS})
    before = {p.name: p.read_bytes() for p in lib.rglob("*.md")}

    result = run("absorb", edited, "-p", PROFILE, "--library", lib, "-o", tmp_path / "patches")
    assert result.exit_code == 0, result.output
    assert before == {p.name: p.read_bytes() for p in lib.rglob("*.md")}  # -o alone writes no clause file
    out = result.output
    assert "edited generated value: change the profile** ({{ company.name }}): PixelPals → PixelPals Limited" in out
    assert "review note by A. Counsel: Check the age with the UK team." in out
    assert sorted(p.name for p in (tmp_path / "patches").iterdir()) == [
        "summary.html",
        "summary.json",
        "summary.md",
        "tos.prohibited.csam-activities.patch",
        "tos.prohibited.grooming.patch",
        "tos.scope.definition-minor.patch",
    ]
    patch = (tmp_path / "patches" / "tos.prohibited.csam-activities.patch").read_text()
    assert "# tracked change by A. Counsel on 2026-12-01T10:00:00Z" in patch
    assert "-- ask for, offer, buy, sell, swap or trade CSAM, or ask where to find it;" in patch

    result = run("absorb", edited, "-p", PROFILE, "--library", lib, "--apply")
    assert result.exit_code == 0, result.output
    minor = (lib / "tos" / "definition-minor.md").read_text()
    major, minor_v, patch_v = _version(REPO / "clauses" / "tos" / "definition-minor.md").split(".")
    assert f"\nversion: {major}.{minor_v}.{int(patch_v) + 1}\n" in minor and "\nrationale: " in minor
    assert "Check the age with the UK team." in minor.split("---")[1]  # the comment, in the rationale
    assert minor.rstrip().endswith("describes them.\n\nThe same applies to drawings and generated images.")

    new = _generate(lib, tmp_path / "new")
    want = [p.replace("PixelPals Limited.", "PixelPals.") for p in _paragraphs(edited)]
    assert _paragraphs(new) == want

    diff = run("diff", tmp_path / "old", lib, "-p", PROFILE)
    assert diff.exit_code == 1
    assert "3 changes" in diff.output, diff.output


def test_an_edit_across_a_clause_boundary_is_left_for_a_person(tmp_path: Path, lib: Path) -> None:
    docx = _generate(lib, tmp_path / "out")
    edited = tmp_path / "e.docx"
    # deleting the last paragraph mark of "What these terms cover" joins it to the next clause's heading
    _rewrite(
        docx,
        edited,
        [
            (
                '<w:p><w:r><w:t xml:space="preserve">Breaking these terms',
                f'<w:p><w:pPr><w:rPr><w:del w:id="9" {REV}/></w:rPr></w:pPr>'
                '<w:r><w:t xml:space="preserve">Breaking these terms',
            )
        ],
    )
    result = run("absorb", edited, "-p", PROFILE, "--library", lib, "--apply")
    assert result.exit_code == 0, result.output
    assert "for a person to resolve" in result.output and "tos.scope.applies-to" in result.output
    assert (lib / "tos" / "applies-to.md").read_bytes() == (REPO / "clauses/tos/applies-to.md").read_bytes()


def test_markers_survive_and_an_unedited_document_has_no_edits(tmp_path: Path, lib: Path) -> None:
    docx = _generate(lib, tmp_path / "out")
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode()
    assert f'w:name="{clause_bookmark("tos.prohibited.grooming")}"' in xml
    result = run("absorb", docx, "-p", PROFILE, "--library", lib, "-o", tmp_path / "p")
    assert result.exit_code == 0 and "No edits found." in result.output
    again = run("absorb", docx, "-p", PROFILE, "--library", lib, "-o", tmp_path / "p")
    assert again.exit_code == 2 and "exist" in again.output  # nothing overwritten without --force
    assert run("absorb", docx, "-p", PROFILE, "--library", lib, "-o", tmp_path / "p", "--force").exit_code == 0


def test_without_markers_paragraphs_are_matched_by_text(tmp_path: Path, lib: Path) -> None:
    import re

    docx = _generate(lib, tmp_path / "out")
    plain = tmp_path / "plain.docx"
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode()
    stripped = re.sub(r'<w:bookmark(Start|End) w:id="\d+"( w:name="_pgc_\w+")?/>', "", xml)
    stripped = stripped.replace("we act on the pattern of behaviour", "we act on the pattern of conduct")
    _rewrite(docx, plain, [], {"word/document.xml": stripped.encode()})
    result = run("absorb", plain, "-p", PROFILE, "--library", lib, "-o", tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "tos.prohibited.grooming.patch").is_file()


# -- hostile and foreign documents -----------------------------------------------------------------------


def _refused(tmp_path: Path, lib: Path, docx: Path, *words: str) -> None:
    result = run("absorb", docx, "-p", PROFILE, "--library", lib, "-o", tmp_path / "never", "--apply")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output, result.output
    assert not (tmp_path / "never").exists()


def test_a_document_policygen_did_not_generate_is_refused(tmp_path: Path, lib: Path) -> None:
    from docx import Document

    foreign = tmp_path / "letter.docx"
    Document().save(foreign)
    _refused(tmp_path, lib, foreign, "was not generated by policygen", "policygen.build-digest")
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"PK\x03\x04 not really")
    _refused(tmp_path, lib, junk, "not a Word document")


def _version(clause: Path) -> str:
    return re.search(r"^version: (\S+)$", clause.read_text(), re.M).group(1)


def test_a_document_from_another_build_is_refused(tmp_path: Path, lib: Path) -> None:
    docx = _generate(lib, tmp_path / "out")
    clause = lib / "tos" / "grooming.md"
    old = _version(clause)
    clause.write_text(clause.read_text().replace(f"version: {old}", "version: 9.9.9"))
    _refused(tmp_path, lib, docx, "different build", f"tos.prohibited.grooming@{old}", "tos.prohibited.grooming@9.9.9")
    other = run("absorb", docx, "-p", SAMPLES / "questcraft.yaml", "--library", REPO / "clauses")
    assert other.exit_code == 2 and "different build" in other.output


def test_zip_bombs_and_entities_are_refused(tmp_path: Path, lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docx = _generate(lib, tmp_path / "out")
    bomb = tmp_path / "bomb.docx"
    _rewrite(docx, bomb, [], {"word/document.xml": b"<w:document>" + b" " * (3 * 2**20) + b"</w:document>"})
    monkeypatch.setattr(A, "MAX_PART", 2**20)
    _refused(tmp_path, lib, bomb, "zip bomb")
    monkeypatch.setattr(A, "MAX_UNPACKED", 2**20)
    _refused(tmp_path, lib, bomb, "zip bomb", "unpacks to")
    many = tmp_path / "many.docx"
    _rewrite(docx, many, [], {f"x/{i}.xml": b"" for i in range(A.MAX_ENTRIES + 1)})
    _refused(tmp_path, lib, many, "zip entries")
    monkeypatch.undo()
    entity = tmp_path / "entity.docx"
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode()
    evil = xml.replace("?>", '?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    _rewrite(docx, entity, [], {"word/document.xml": evil.encode()})
    _refused(tmp_path, lib, entity, "DTD or entity")
    big = tmp_path / "big.docx"
    monkeypatch.setattr(A, "MAX_DOCX_BYTES", 1000)
    _refused(tmp_path, lib, big.with_name("missing.docx"), "Cannot read")
    fifo = tmp_path / "fifo.docx"
    os.mkfifo(fifo)
    _refused(tmp_path, lib, fifo, "not a regular file")
    _refused(tmp_path, lib, docx, "refused")


def test_edits_that_cannot_be_mapped_with_certainty_are_left_for_a_person(tmp_path: Path, lib: Path) -> None:
    """How to report: a sentence in both branches of an {% if %}, and words next to **bold** text."""
    docx = _generate(lib, tmp_path / "out")
    edited = tmp_path / "e.docx"
    _rewrite(
        docx,
        edited,
        [
            ("You do not need an account to email us.</w:t>", "No account is needed to email us.</w:t>"),
            (
                '<w:t xml:space="preserve"> option on the content, message or account; or</w:t>',
                '<w:t xml:space="preserve"> button on the content, message or account; or</w:t>',
            ),
        ],
    )
    source = (lib / "tos" / "how-to-report.md").read_bytes()
    result = run("absorb", edited, "-p", PROFILE, "--library", lib, "--apply", "-o", tmp_path / "p")
    assert result.exit_code == 0, result.output
    assert "### tos.reporting.how-to-report (not patched)" in result.output
    assert result.output.count("for a person to resolve") >= 2
    assert "not found exactly once" in result.output
    assert (lib / "tos" / "how-to-report.md").read_bytes() == source
    assert not list((tmp_path / "p").glob("*.patch"))
