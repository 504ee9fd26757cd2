"""Shared fixtures: inline clause libraries, profiles and a CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/ from the current output instead of comparing (review the diff!).",
    )


def build_tree(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root (text is dedented)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def clause(
    cid: str,
    body: str = "Body text.",
    *,
    section: str | None = None,
    extra: str = "",
    guide_area: str = "universal-tools",
    audience: str | None = None,
) -> str:
    """Return the text of a valid clause file with the given id and body."""
    doc, sec = cid.split(".")[0], cid.split(".")[1]
    if doc == "tips" and audience is None:
        audience = "everyone"
    lines = [
        "---",
        f"id: {cid}",
        f"title: Title of {cid}",
        f"doc: {doc}",
        f"section: {section or sec}",
        f"guide_area: {guide_area}",
        "version: 1.0.0",
        "last_reviewed: 2026-11-25",
    ]
    if audience:
        lines.append(f"audience: {audience}")
    if extra:
        lines.extend(textwrap.dedent(extra).strip("\n").splitlines())
    lines.append("---")
    return "\n".join(lines) + "\n" + textwrap.dedent(body).strip("\n") + "\n"


LIBRARY_YAML = "name: test library\nversion: 1.2.3\n"


def make_library(root: Path, clauses: dict[str, str] | None = None) -> Path:
    """Build a small valid library: one clause per document unless given."""
    files = {"library.yaml": LIBRARY_YAML}
    if clauses is None:
        clauses = {
            "tos/a.md": clause("tos.prohibited.sharing", "Do not share CSAM on {{ company.name }}."),
            "sop/a.md": clause("sop.triage.first-look", "1. Open the case.\n2. Record the time."),
            "tips/a.md": clause("tips.everyone.report", "Report to {{ company.contact.safety }}."),
        }
    files.update(clauses)
    return build_tree(root, files)


MINIMAL = """\
company:
  name: PixelPals
  contact:
    safety: safety@pixelpals.example
services: [photo-sharing]
jurisdictions: [us]
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return make_library(tmp_path / "lib")


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolate_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the developer's own files and settings."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "cache"))
    # No LibreOffice layout pass for the Word contents' page numbers unless a test asks for it (slow tests do).
    monkeypatch.setenv("POLICYGEN_TOC_PAGES", "0")


#: The notice-and-action kit a US profile gets by default (``generate`` without ``--doc``, md/html/docx).
US_KIT = {
    "notices.md",
    "notices.html",
    "notices.docx",
    "notices/child-safety-report.html",
    "notices/child-safety-report.schema.json",
    "notices/how-to-report.html",
    "notices/take-it-down.html",
    "notices/take-it-down.schema.json",
}


def files_in(folder: Path) -> set[str]:
    """Every file under ``folder``, as paths relative to it (the notice kit writes into ``notices/``)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
