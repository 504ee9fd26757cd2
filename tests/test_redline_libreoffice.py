"""Done-when (issue 14): every kind of change shows in the Word, HTML and Markdown redlines, and
LibreOffice's Accept All / Reject All on the Word redline give back NEW and OLD exactly, links included."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from test_diff import git, run

from generator.documents import load_templates, select
from generator.library import library_source
from generator.library.revisions import templates_at
from generator.profile import load_profile
from generator.review.docx_redline import RedlineCover
from generator.review.packet import assemble_generated
from generator.review.redline import flatten

_XLB = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard"
 library:readonly="false" library:passwordprotected="false">{}</library:library>"""
_XLC = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" xlink:href="$(USER)/basic/Standard/{}.xlb/" xlink:type="simple"
  library:link="false"/></library:libraries>"""
_MODULE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Redline" script:language="StarBasic">
Sub Run(sIn As String, sOut As String, sMode As String)
  Dim aProps(0) As New com.sun.star.beans.PropertyValue
  aProps(0).Name = &quot;Hidden&quot;
  aProps(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), &quot;_blank&quot;, 0, aProps())
  oDisp = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
  Dim noArgs()
  oFrame = oDoc.CurrentController.Frame
  If sMode = &quot;accept&quot; Then
    oDisp.executeDispatch(oFrame, &quot;.uno:AcceptAllTrackedChanges&quot;, &quot;&quot;, 0, noArgs())
  Else
    oDisp.executeDispatch(oFrame, &quot;.uno:RejectAllTrackedChanges&quot;, &quot;&quot;, 0, noArgs())
  End If
  Dim sProps(0) As New com.sun.star.beans.PropertyValue
  sProps(0).Name = &quot;FilterName&quot;
  sProps(0).Value = &quot;Text (encoded)&quot;
  oDoc.storeToURL(ConvertToURL(sOut), sProps())
  oDoc.close(True)
End Sub
</script:module>"""


class LibreOffice:
    """Runs LibreOffice's own Accept All / Reject All on a Word file, through a Basic macro."""

    def __init__(self, soffice: str, home: Path) -> None:
        self.soffice, self.home = soffice, home
        self._call("--terminate_after_init")  # create the profile, then add the macro to it
        basic = home / "user" / "basic"
        (basic / "Standard").mkdir(parents=True, exist_ok=True)
        (basic / "script.xlc").write_text(_XLC.format("script"))
        (basic / "dialog.xlc").write_text(_XLC.format("dialog"))
        (basic / "Standard" / "script.xlb").write_text(_XLB.format('<library:element library:name="Redline"/>'))
        (basic / "Standard" / "dialog.xlb").write_text(_XLB.format(""))
        (basic / "Standard" / "Redline.xba").write_text(_MODULE)

    def _call(self, *args: str) -> None:
        subprocess.run(
            [self.soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{self.home}", *args],
            check=True,
            capture_output=True,
            timeout=180,
        )

    def text(self, docx: Path, mode: str) -> list[str]:
        out = docx.with_name(f"{docx.stem}-{mode}.txt")
        self._call(f'macro:///Standard.Redline.Run("{docx}","{out}","{mode}")')
        return out.read_text(encoding="utf-8-sig").split("\n")


def _body(lines: list[str]) -> list[str]:
    """Drop the redline's cover (title, its lines, the page break) and list labels LibreOffice writes."""
    skip = 1 + len(RedlineCover("t", "o", "n", "p").lines()) + 1
    body = lines[skip:]
    while body and body[-1] == "":
        body.pop()
    return body


_LABEL = re.compile(r"^\s*(?:\d+\.|[a-z]\.|[ivx]+\.|[•◦▪\u2610☐\u2013-])[\t ]\s*")


def _same(lines: list[str], units: list) -> list[str]:
    """LibreOffice's lines with the list labels it writes removed (only on list items); checks the count."""
    assert len(lines) == len(units), (len(lines), len(units))
    return [_LABEL.sub("", line, count=1) if u.kind == "li" else line for line, u in zip(lines, units, strict=True)]


def _expected(units: list) -> list[str]:
    return [u.text for u in units]


@pytest.fixture(scope="module")
def soffice(tmp_path_factory: pytest.TempPathFactory) -> LibreOffice:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice not installed")
    return LibreOffice(exe, tmp_path_factory.mktemp("lo"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with the built-in library and skeletons, and one commit with every kind of change."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(REPO / "clauses", root / "clauses")
    shutil.copytree(REPO / "templates", root / "templates")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "adopted library")
    # a routing-table cell (and an obligation field), version not bumped
    _edit(root / "clauses/sop/core/us-preservation.md", "period: 1 year from", "period: 90 days from")
    # a link target
    _edit(root / "clauses/tips/help-now/us.md", "(https://report.cybertip.org)", "(https://cybertip.example.net)")
    # a skeleton heading
    _edit(root / "templates/documents/tos.yaml", "title: What is prohibited", "title: Prohibited conduct")
    # a moved clause
    _edit(root / "clauses/sop/core/authority-notices.md", "order: 45", "order: 1")
    # a renamed clause id
    _edit(
        root / "clauses/tos/csam-activities.md", "id: tos.prohibited.csam-activities", "id: tos.prohibited.csam-conduct"
    )
    git(root, "commit", "-qam", "Shorter preservation, new tip link, retitled section, reorder intake, rename")
    return root


def _documents(repo: Path, spec: str, doc: str) -> list:
    old = os.getcwd()
    os.chdir(repo)
    try:
        with ExitStack() as stack:
            library = stack.enter_context(library_source(spec))
            templates = load_templates(stack.enter_context(templates_at(spec)))
            profile = load_profile(SAMPLES / "pixelpals.yaml")
            return flatten(assemble_generated(doc, select(library, profile), library, templates, profile))
    finally:
        os.chdir(old)


@pytest.mark.slow
def test_every_change_shows_and_libreoffice_accepts_and_rejects_exactly(repo: Path, soffice: LibreOffice) -> None:
    out = repo.parent / "packet"
    result = run("review", "git:HEAD~1", "git:HEAD", "--profile", SAMPLES / "pixelpals.yaml", "-o", out, cwd=repo)
    assert result.exit_code == 1, result.output
    assert "version not bumped" in result.output
    summary = (out / "summary.md").read_text()
    assert "renamed" in summary and "tos.prohibited.csam-conduct" in summary
    assert "90 days" in summary and "skeleton" in summary
    shown = {
        "sop": ["90 days", "1 year", "moved"],
        "tips": ["cybertip.example.net", "report.cybertip.org"],
        "tos": ["Prohibited conduct", "What is prohibited"],
    }
    for doc, marks in shown.items():
        md = (out / f"redline/{doc}.md").read_text()
        html = (out / f"redline/{doc}.html").read_text()
        for mark in marks[:2]:
            assert mark in md and mark in html, (doc, mark)
        assert "<ins>" in md and "<del>" in md and "<ins>" in html
        docx = out / f"redline/{doc}.docx"
        new, old = _documents(repo, "git:HEAD", doc), _documents(repo, "git:HEAD~1", doc)
        assert _same(_body(soffice.text(docx, "accept")), new) == _expected(new), doc
        assert _same(_body(soffice.text(docx, "reject")), old) == _expected(old), doc


@pytest.mark.slow
def test_reject_all_does_not_merge_a_changed_paragraph_with_an_inserted_one(
    tmp_path: Path, soffice: LibreOffice
) -> None:
    """Issue 14: 'Alpha oneGamma three' after Reject All, when a paragraph ending in an insertion precedes an
    inserted one (and the same with an inserted paragraph before one that starts with an insertion)."""
    from generator.review.docx_redline import render_redline_docx
    from generator.review.redline import Unit, redline

    old = [Unit("title", "T"), Unit("p", "Alpha"), Unit("p", "Gamma three")]
    new = [Unit("title", "T"), Unit("p", "Alpha one"), Unit("p", "Beta two"), Unit("p", "New Gamma three")]
    path = tmp_path / "r.docx"
    path.write_bytes(render_redline_docx(redline(old, new), "t", "s"))
    assert _body(soffice.text(path, "accept")) == [u.text for u in new]
    assert _body(soffice.text(path, "reject")) == [u.text for u in old]
