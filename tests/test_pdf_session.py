"""LibreOffice starts once, before the documents are built, and never outlives policygen.

``--format pdf`` (and the Word contents' page-number pass) start LibreOffice
with a prepared profile whose macro waits for the list of documents, so its
start-up runs while Python builds them. These tests check the order (a fake
session, fast), that one LibreOffice start does the work, that a LibreOffice
which does not take the prepared profile still converts (the fallback), and
that a session left unused is stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api
from generator.errors import PolicyGenError
from generator.render import pdf as pdfmod

HAVE_SOFFICE = pdfmod.find_soffice() is not None
needs_soffice = pytest.mark.skipif(not HAVE_SOFFICE and not os.environ.get("CI"), reason="LibreOffice not installed")


class _FakeSession:
    """Stands in for LibreOffice: records when it starts, lays out and stops."""

    events: list[str] = []

    def __init__(self) -> None:
        self.events.append("start")

    def __enter__(self) -> _FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.events.append("close")

    def layout(self, documents, *, pdf=True, pages=True):  # noqa: ANN001, ANN201
        self.events.append(f"layout {len(documents)}")
        return {n.rsplit(".", 1)[0] + ".pdf": b"%PDF-fake" for n in documents} if pdf else {}, {}


@pytest.fixture
def fake_session(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import generator.render as render

    events: list[str] = []
    monkeypatch.setattr(_FakeSession, "events", events)
    monkeypatch.setattr(render, "Session", _FakeSession)
    real_start = api._start

    def start(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        events.append("build")
        return real_start(*args, **kwargs)

    monkeypatch.setattr(api, "_start", start)
    return events


def test_libreoffice_starts_before_the_documents_are_built(fake_session: list[str], tmp_path: Path) -> None:
    api.generate([SAMPLES / "minimal.yaml", SAMPLES / "hangout.yaml"], tmp_path / "out", formats=["pdf"])
    sessions = " ".join(fake_session).split("start")[1:]
    assert sessions, fake_session
    for session in sessions:  # each LibreOffice: started, then the documents built, laid out, stopped
        steps = session.split()
        assert steps[0] == "build" and steps[-1] == "close" and steps[-3] == "layout", fake_session
    assert (tmp_path / "out" / "hangout" / "tos.pdf").read_bytes() == b"%PDF-fake"


def test_no_libreoffice_without_pdf_or_contents_pages(fake_session: list[str], tmp_path: Path) -> None:
    api.generate([SAMPLES / "minimal.yaml"], tmp_path / "out", formats=["md", "docx"], toc_pages=False)
    assert "start" not in fake_session


def test_a_failed_build_stops_libreoffice(fake_session: list[str], tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        fake_session.append("build")
        raise PolicyGenError("a clause cannot be rendered")

    monkeypatch.setattr(api, "_start", broken)
    with pytest.raises(PolicyGenError):
        api.generate([SAMPLES / "minimal.yaml"], tmp_path / "out", formats=["pdf"])
    assert fake_session == ["start", "build", "close"]
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def hangout_docx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """hangout's terms and tips as Word files (no contents page numbers)."""
    out = tmp_path_factory.mktemp("docx")
    api.generate([SAMPLES / "hangout.yaml"], out, docs=["tos", "tips"], formats=["docx"], toc_pages=False)
    return {n: (out / n).read_bytes() for n in ("tos.docx", "tips.docx")}


@pytest.fixture
def starts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The LibreOffice command lines started."""
    started: list[list[str]] = []
    real = pdfmod._start
    monkeypatch.setattr(pdfmod, "_start", lambda cmd, env: started.append(cmd) or real(cmd, env))
    return started


@pytest.mark.slow
@needs_soffice
def test_one_libreoffice_start_converts(hangout_docx: dict[str, bytes], starts: list[list[str]]) -> None:
    pdfs = pdfmod.docx_to_pdf({"tips.docx": hangout_docx["tips.docx"]})
    assert pdfs["tips.pdf"].startswith(b"%PDF")
    assert len(starts) == 1, starts  # no separate start to make the profile
    assert not any("--terminate_after_init" in cmd for cmd in starts)


@pytest.mark.slow
@needs_soffice
def test_a_libreoffice_that_replaces_the_prepared_macro_still_converts(
    hangout_docx: dict[str, bytes], starts: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback: a profile LibreOffice sets up itself, then the macro in a second start."""
    monkeypatch.setattr(pdfmod, "_write_profile", lambda profile, *facts: profile.mkdir(parents=True))  # no macro
    pdfs, pages = pdfmod.layout({"tips.docx": hangout_docx["tips.docx"]}, pdf=True, pages=True)
    assert pdfs["tips.pdf"].startswith(b"%PDF")
    assert "tips.docx" in pages
    assert any("--terminate_after_init" in cmd for cmd in starts)


@pytest.mark.slow
@needs_soffice
def test_an_unused_session_is_stopped_and_cleaned_up() -> None:
    session = pdfmod.Session()
    proc, base = session._proc, session.base
    assert proc is not None and proc.poll() is None  # waiting for its list
    session.close()
    assert proc.poll() is not None
    assert not base.exists()
    with pytest.raises(PolicyGenError):
        session.layout({"x.docx": b""})


@pytest.mark.slow
@needs_soffice
def test_pdfs_are_the_same_from_a_prepared_and_a_fallback_profile(
    hangout_docx: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared = pdfmod.layout(hangout_docx)
    monkeypatch.setattr(pdfmod, "_write_profile", lambda profile, *facts: profile.mkdir(parents=True))
    fallback = pdfmod.layout(hangout_docx)
    assert prepared == fallback


@pytest.mark.slow
@needs_soffice
def test_the_prepared_profile_carries_the_installation_build_id_and_version(tmp_path: Path) -> None:
    build_id, version = pdfmod._installation_facts(pdfmod.find_soffice() or "")
    if os.environ.get("CI"):
        assert build_id and version  # Debian's LibreOffice has program/versionrc and share/registry/main.xcd
    pdfmod._write_profile(tmp_path / "p", build_id, version)
    written = tmp_path / "p" / "user" / "extensions" / "buildid"
    assert (written.read_text(encoding="utf-8") == build_id) if build_id else not written.exists()
    registry = (tmp_path / "p" / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
    assert (f'"ooSetupLastVersion" oor:op="fuse"><value>{version}</value>' in registry) == bool(version)


@pytest.mark.slow
@needs_soffice
def test_the_graphics_self_tests_are_skipped_and_the_pdf_is_unchanged(
    hangout_docx: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """LibreOffice runs its graphics self-tests after an upgrade; the prepared profile says it is up to date."""
    docs = {"tips.docx": hangout_docx["tips.docx"]}
    logs: list[bool] = []
    real_layout = pdfmod.Session.layout

    def layout(self, documents, **kw):  # noqa: ANN001, ANN003, ANN202
        try:
            return real_layout(self, documents, **kw)
        finally:
            logs.append((self.profile / "user" / "GraphicsRenderTests.log").exists())

    monkeypatch.setattr(pdfmod.Session, "layout", layout)
    skipped = pdfmod.docx_to_pdf(docs)
    facts = pdfmod._installation_facts
    monkeypatch.setattr(pdfmod, "_installation_facts", lambda soffice: (facts(soffice)[0], None))
    tested = pdfmod.docx_to_pdf(docs)
    assert skipped == tested
    if facts(pdfmod.find_soffice() or "")[1] or os.environ.get("CI"):
        assert logs == [False, True]  # no self-test log with the version in the profile, one without


def test_hostile_installation_files_are_ignored(tmp_path: Path) -> None:
    program = tmp_path / "program"
    (tmp_path / "share" / "registry").mkdir(parents=True)
    program.mkdir()
    (program / "soffice").write_text("", encoding="utf-8")
    (program / "versionrc").write_text("[Version]\nbuildid=</value><evil/>\n", encoding="utf-8")
    xcd = tmp_path / "share" / "registry" / "main.xcd"
    xcd.write_text('<prop oor:name="ooSetupVersion"><value>7.4&lt;evil/&gt;</value></prop>', encoding="utf-8")
    assert pdfmod._installation_facts(str(program / "soffice")) == (None, None)
    pdfmod._installation_facts.cache_clear()  # read once per process; the files changed
    (program / "versionrc").write_text("[Version]\nbuildid=40(Build:2)\n", encoding="utf-8")
    xcd.write_text('<prop oor:name="ooSetupVersion" oor:type="xs:string">\n<value>7.4</value></prop>', encoding="utf-8")
    assert pdfmod._installation_facts(str(program / "soffice")) == ("40(Build:2)", "7.4")
