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

import io
import os
import re
import shutil
import subprocess
import zipfile
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
    assert flat[0].count("Draft — not legal advice") == 2  # the notice once, and the footer's marking
    assert "Version: 1.0" in flat[0] and "policygen core library" not in flat[0]  # the document's version

    # every page has the draft marking and a "Page i of n" footer that matches the real page count
    for i, text in enumerate(flat, 1):
        assert "Draft — not legal advice" in text, f"{key}: page {i} lacks the draft marking"
        assert f"Page {i} of {n}" in text, f"{key}: page {i} footer does not say 'Page {i} of {n}'"

    # the table of contents lists every section with a page number (LibreOffice filled them in)
    _check_contents(key, doc, flat)

    # clause headings are numbered 1.1, 1.2, ... and appear in order
    body = " ".join(flat[1:])
    position = 0
    for section in doc.sections:
        for clause in section.clauses:
            label = f"{clause.number} {clause.title}"[:50]
            found_at = body.find(label, position)
            assert found_at >= 0, f"{key}: clause heading '{label}' missing or out of order"
            position = found_at


def _check_contents(key: str, doc, flat: list[str]) -> None:
    """The contents (page 2 on) list every section with the page its heading is on."""
    n = len(flat)
    toc_pages = [i for i, t in enumerate(flat) if "Contents" in t]
    assert toc_pages and toc_pages[0] == 1, f"{key}: no contents page after the cover"
    toc_text = []
    for text in flat[1:]:
        if not re.search(r"\.{4,} ?\d+", text):
            break
        toc_text.append(text)
    if doc.kind == "tips":  # the audience sections only: the contents never spill onto a nearly empty page
        assert len(toc_text) == 1, f"{key}: the contents take {len(toc_text)} pages"
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


def _open_directly(docx: bytes, tmp_path: Path, env: dict[str, str] | None = None) -> bytes:
    """Convert a DOCX as LibreOffice opens it: plain --convert-to, no index update (not the --format pdf path)."""
    source = tmp_path / "opened.docx"
    source.write_bytes(docx)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            find_soffice(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        env={**os.environ, "HOME": str(tmp_path), **(env or {})},
        capture_output=True,
        check=True,
        timeout=300,
    )
    return (tmp_path / "opened.pdf").read_bytes()


def test_docx_opened_directly_shows_contents_with_page_numbers(tmp_path: Path) -> None:
    """The Word file itself carries the contents' page numbers (from generate's LibreOffice layout pass)."""
    import docx as python_docx

    b = api.build(
        load_profile(SAMPLES / "pixelpals.yaml"), load_library(), load_templates(), ("sop",), ("docx",), toc_pages=True
    )
    data = b.files["sop.docx"]
    assert b"updateFields" not in zipfile_member(data, "word/settings.xml")  # Word does not ask on opening
    flat = [re.sub(r"\s+", " ", p) for p in _pages(_open_directly(data, tmp_path))]
    _check_contents("pixelpals/sop", b.documents["sop"], flat)
    # without the layout pass the contents are links without numbers (what the issue saw)
    plain = api.build(load_profile(SAMPLES / "pixelpals.yaml"), load_library(), load_templates(), ("sop",), ("docx",))
    toc = [
        p.text for p in python_docx.Document(io.BytesIO(plain.files["sop.docx"])).paragraphs if p.style.name == "toc 1"
    ]
    assert toc and not any(re.search(r"\t\d+$", t) for t in toc)


def zipfile_member(data: bytes, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def test_paper_is_a4_outside_the_us_and_canada(tmp_path: Path) -> None:
    from pypdf import PdfReader

    library, templates = load_library(), load_templates()
    minimal = (SAMPLES / "minimal.yaml").read_text(encoding="utf-8")
    docx = {}
    for name, jurisdictions in (("uk", "[uk]"), ("us", "[us]"), ("eu-ca", "[eu, ca]")):
        path = tmp_path / f"{name}.yaml"
        path.write_text(re.sub(r"jurisdictions: .*", f"jurisdictions: {jurisdictions}", minimal), encoding="utf-8")
        docx[f"{name}.docx"] = api.build(load_profile(path), library, templates, ("tos",), ("docx",)).files["tos.docx"]
    pdfs = docx_to_pdf(docx)
    sizes = {}
    for name, pdf in pdfs.items():
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        sizes[name] = (round(float(box.width)), round(float(box.height)))
    assert sizes == {"uk.pdf": (595, 842), "us.pdf": (612, 792), "eu-ca.pdf": (612, 792)}


def test_pdf_embeds_its_fonts(converted) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed")
    _, pdf, _ = converted["pixelpals/sop"]
    listing = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=False)
    if listing.returncode != 0:  # older pdffonts cannot read stdin
        path = ARTIFACTS.parent / "fonts-check.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        listing = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True)
    rows = listing.stdout.decode().splitlines()[2:]
    assert rows, "pdffonts lists no fonts"
    not_embedded = [r for r in rows if r.split()[-5] != "yes"]
    assert not not_embedded, f"fonts not embedded: {not_embedded}"


NO_CARLITO = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="family"><string>Carlito</string></patelt></pattern>
    <pattern><patelt name="family"><string>Calibri</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]+", text))


def test_without_carlito_pdf_warns_and_no_word_breaks_in_a_table_cell(tmp_path: Path, monkeypatch) -> None:
    """Fontconfig told to hide Carlito and Calibri: generate --format pdf names the fallback, and every word
    LibreOffice prints (table cells included) is a whole word of the document, never "Emergen" / "cy"."""
    import docx as python_docx
    from click.testing import CliRunner

    from generator.cli import cli
    from generator.render.pdf import font_fallback

    if shutil.which("fc-match") is None or not Path("/etc/fonts/fonts.conf").is_file():
        pytest.skip("fontconfig (fc-match, /etc/fonts/fonts.conf) is needed to hide Carlito")
    config = tmp_path / "no-carlito.conf"
    config.write_text(NO_CARLITO, encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    fallback = font_fallback()
    assert fallback, "Carlito is still found: the fontconfig file did not hide it"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["generate", str(SAMPLES / "pixelpals.yaml"), "-o", str(out), "--doc", "sop", "--format", "docx,pdf"]
    )
    assert result.exit_code == 0, result.output
    assert f"LibreOffice will use {fallback} instead" in result.output and "fonts-crosextra-carlito" in result.output
    document = python_docx.Document(io.BytesIO((out / "sop.docx").read_bytes()))
    texts = [p.text for p in document.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    texts += [p.text for p in document.sections[0].header.paragraphs + document.sections[0].footer.paragraphs]
    with zipfile.ZipFile(out / "sop.docx") as package:  # the citations' footnotes are printed too
        texts += re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", package.read("word/footnotes.xml").decode())
    vocabulary = _words("\n".join(texts)) | {"Page", "of"}
    pdf_text = "\n".join(_pages((out / "sop.pdf").read_bytes()))
    # Addresses (URLs, emails, domain names) may break inside a narrow column, as no column could hold the
    # longest; a fragment of one is not a broken word. Words are the rest.
    addresses = {a for t in texts for a in re.findall(r"\S*(?:://|@|\w\.\w)\S*", t)}
    broken = sorted(w for w in _words(pdf_text) - vocabulary if not any(w in a for a in addresses))
    assert not broken, f"words broken or changed in the PDF without Carlito (fallback {fallback}): {broken[:20]}"
    cells = {w for t in document.tables for row in t.rows for c in row.cells for w in _words(c.text) if len(w) > 3}
    assert {"Emergency", "Severity"} <= cells


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
