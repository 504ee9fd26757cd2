"""Every sample's DOCX, converted by headless LibreOffice, is a clean multi-page PDF.

All 42 documents (14 samples x 3) go through one LibreOffice run, the same
path as ``--format pdf``. Each PDF is checked for what a reviewer on paper
relies on: the cover with the draft notice, a table of contents with page
numbers, numbered sections and clauses in order, "Page N of M" footers that
agree with the real page count. The first pages of a few documents are saved
as PNG images under ``.artifacts/pdf`` (or ``$POLICYGEN_ARTIFACTS/pdf``) for a
person to look at.

LibreOffice and poppler-utils (pdftotext, pdftoppm) are installed by
``.ci/run``; without them these tests are skipped locally and fail on CI.
LibreOffice takes seconds per document, so the module is marked ``slow``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile.profile import load_profile
from generator.render.pdf import docx_to_pdf, find_soffice, normalise_pdf

pytestmark = pytest.mark.slow

for tool, package in ((find_soffice(), "LibreOffice"), (shutil.which("pdftotext"), "poppler-utils")):
    if tool is None:
        if os.environ.get("CI"):
            raise RuntimeError(f"{package} is required on CI; .ci/run installs it")
        pytest.skip(f"{package} is not installed", allow_module_level=True)

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
ARTIFACTS = Path(os.environ.get("POLICYGEN_ARTIFACTS", Path(__file__).resolve().parent.parent / ".artifacts")) / "pdf"


@pytest.fixture(scope="module")
def converted() -> dict[str, tuple[bytes, bytes, api.Build]]:
    """sample/doc -> (docx, pdf, build), all converted in one LibreOffice run."""
    library, templates = load_library(), load_templates()
    builds = {p.stem: api.build(load_profile(p), library, templates, formats=("docx",)) for p in SAMPLE_FILES}
    docx = {
        f"{stem}--{name}": data
        for stem, b in builds.items()
        for name, data in b.files.items()
        if name.endswith(".docx")
    }
    pdfs = docx_to_pdf(docx)
    out = {}
    for name, data in docx.items():
        stem, doc_file = name.split("--")
        out[f"{stem}/{doc_file[:-5]}"] = (data, pdfs[name[:-5] + ".pdf"], builds[stem])
    return out


def _pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext separates pages with form feeds)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    pages = text.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


KEYS = [f"{p.stem}/{d}" for p in SAMPLE_FILES for d in ("tos", "sop", "tips")]


@pytest.mark.parametrize("key", KEYS)
def test_pdf_is_a_clean_multipage_document(key: str, converted) -> None:
    _, pdf, build = converted[key]
    doc = build.documents[key.split("/")[1]]
    pages = _pages(pdf)
    n = len(pages)
    assert n >= 3, f"{key}: only {n} pages (cover, contents and body expected)"
    flat = [re.sub(r"\s+", " ", p) for p in pages]

    # cover: company, title and the draft notice on page 1
    assert doc.company in flat[0] and doc.title in flat[0]
    assert "Draft — not legal advice, to be reviewed by counsel" in flat[0]

    # every page has the draft marking and a "Page i of n" footer that matches the real page count
    for i, text in enumerate(flat, 1):
        assert "Draft — not legal advice" in text, f"{key}: page {i} lacks the draft marking"
        assert f"Page {i} of {n}" in text, f"{key}: page {i} footer does not say 'Page {i} of {n}'"

    # the table of contents lists every section with a page number (LibreOffice filled them in)
    toc_pages = [i for i, t in enumerate(flat) if "Contents" in t]
    assert toc_pages and toc_pages[0] == 1, f"{key}: no contents page after the cover"
    toc_text = []
    for text in flat[1:]:
        if not re.search(r"\.{4,} ?\d+", text):
            break
        toc_text.append(text)
    toc = " ".join(toc_text)
    for section in doc.sections:
        entry = re.compile(re.escape(f"{section.number}. {section.title}") + r" ?\.{3,} ?(\d+)")
        found = entry.search(toc)
        assert found, f"{key}: contents lacks '{section.number}. {section.title}' with a page number"
        page = int(found.group(1))
        assert 1 <= page <= n
        # the section heading, numbered by Word's multilevel list, is on that page
        heading = f"{section.number}. {section.title}"
        assert heading[:40] in flat[page - 1], f"{key}: '{heading}' is not on page {page} as the contents says"

    # clause headings are numbered 1.1, 1.2, ... and appear in order
    body = " ".join(flat[1:])
    position = 0
    for section in doc.sections:
        for clause in section.clauses:
            label = f"{clause.number} {clause.title}"[:50]
            found_at = body.find(label, position)
            assert found_at >= 0, f"{key}: clause heading '{label}' missing or out of order"
            position = found_at


def test_sop_quick_reference_tables_reach_the_pdf(converted) -> None:
    _, pdf, build = converted["pixelpals/sop"]
    text = re.sub(r"\s+", " ", " ".join(_pages(pdf)))
    for caption in ("Severity levels, owners and internal targets", "Routing by category", "Contact sheet"):
        assert caption in text
    assert "NCMEC CyberTipline" in text and "safety@pixelpals.example" in text


def test_pdf_is_deterministic(converted) -> None:
    docx, pdf, _ = converted["minimal/tos"]
    again = docx_to_pdf({"tos.docx": docx})["tos.pdf"]
    assert again == pdf
    assert b"/CreationDate(D:20000101000000Z)" in pdf


def test_normalise_pdf_keeps_offsets() -> None:
    raw = (
        b"%PDF-1.4\n1 0 obj<</CreationDate(D:20261125143000+01'00')>>endobj\ntrailer<</ID [<ABCDEF0123><ABCDEF0123>]>>"
    )
    fixed = normalise_pdf(raw)
    assert len(fixed) == len(raw)
    assert b"D:20000101000000Z" in fixed and b"ABCDEF0123" not in fixed


def test_first_pages_saved_as_images(converted) -> None:
    """Page images of a few documents, for a person to check the layout (pdftoppm from poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for key in ("pixelpals/sop", "pixelpals/tos", "littlesnaps/tips"):
        _, pdf, _ = converted[key]
        source = ARTIFACTS / (key.replace("/", "-") + ".pdf")
        source.write_bytes(pdf)
        prefix = ARTIFACTS / key.replace("/", "-")
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "4", source, prefix], check=True)
        images = sorted(ARTIFACTS.glob(prefix.name + "-*.png"))
        assert len(images) >= 3 and all(p.read_bytes().startswith(b"\x89PNG") for p in images)
