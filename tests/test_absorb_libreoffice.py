"""Done-when (issue 17): counsel edits tos.docx in LibreOffice with tracked changes on; absorb --apply brings
the clause edits into the library, reports the company-name edit, and the regenerated document reads as edited."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from test_diff import run
from test_redline_libreoffice import _XLB, _XLC

_MODULE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Counsel" script:language="StarBasic">
Function Find(oDoc As Object, s As String) As Object
  d = oDoc.createSearchDescriptor()
  d.SearchString = s
  d.SearchCaseSensitive = True
  Find = oDoc.findFirst(d)
End Function

Sub Edit(sIn As String, sOut As String)
  oProv = createUnoService(&quot;com.sun.star.configuration.ConfigurationProvider&quot;)
  Dim aArg(0) As New com.sun.star.beans.PropertyValue
  aArg(0).Name = &quot;nodepath&quot;
  aArg(0).Value = &quot;/org.openoffice.UserProfile/Data&quot;
  oUser = oProv.createInstanceWithArguments(&quot;com.sun.star.configuration.ConfigurationUpdateAccess&quot;, aArg())
  oUser.setPropertyValue(&quot;givenname&quot;, &quot;Alex&quot;)
  oUser.setPropertyValue(&quot;sn&quot;, &quot;Counsel&quot;)
  oUser.commitChanges()
  Dim aProps(0) As New com.sun.star.beans.PropertyValue
  aProps(0).Name = &quot;Hidden&quot;
  aProps(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), &quot;_blank&quot;, 0, aProps())
  oText = oDoc.Text
  oDoc.RecordChanges = True
  REM a reworded sentence (grooming)
  f = Find(oDoc, &quot;we act on the pattern of behaviour&quot;)
  f.setString(&quot;we act on the whole pattern of conduct&quot;)
  REM a deleted bullet (CSAM activities)
  f = Find(oDoc, &quot;ask for, offer, buy, sell, swap or trade CSAM, or ask where to find it;&quot;)
  c = oText.createTextCursorByRange(f)
  c.gotoStartOfParagraph(False)
  c.gotoEndOfParagraph(True)
  c.goRight(1, True)
  c.setString(&quot;&quot;)
  REM an inserted sentence (who counts as a minor)
  f = Find(oDoc, &quot;or by how the content describes them.&quot;)
  oText.insertString(f.End, &quot; This includes drawings and generated images.&quot;, False)
  REM the company name, a profile value (what these terms cover)
  f = Find(oDoc, &quot;between you and PixelPals&quot;)
  oText.insertString(f.End, &quot; Ltd&quot;, False)
  oDoc.RecordChanges = False
  REM a comment (grooming)
  f = Find(oDoc, &quot;It does not matter whether the conversation has turned sexual yet&quot;)
  oAnn = oDoc.createInstance(&quot;com.sun.star.text.textfield.Annotation&quot;)
  oAnn.Author = &quot;Alex Counsel&quot;
  oAnn.Content = &quot;One message can be enough; say conduct.&quot;
  oText.insertTextContent(f.getEnd(), oAnn, False)
  Dim sProps(0) As New com.sun.star.beans.PropertyValue
  sProps(0).Name = &quot;FilterName&quot;
  sProps(0).Value = &quot;MS Word 2007 XML&quot;
  oDoc.storeToURL(ConvertToURL(sOut), sProps())
  oDoc.dispose()
End Sub

Sub Text(sIn As String, sOut As String, sAccept As String)
  Dim aProps(0) As New com.sun.star.beans.PropertyValue
  aProps(0).Name = &quot;Hidden&quot;
  aProps(0).Value = True
  oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sIn), &quot;_blank&quot;, 0, aProps())
  If sAccept = &quot;accept&quot; Then
    oDisp = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
    Dim noArgs()
    oFrame = oDoc.CurrentController.Frame
    oDisp.executeDispatch(oFrame, &quot;.uno:AcceptAllTrackedChanges&quot;, &quot;&quot;, 0, noArgs())
  End If
  Dim sProps(0) As New com.sun.star.beans.PropertyValue
  sProps(0).Name = &quot;FilterName&quot;
  sProps(0).Value = &quot;Text (encoded)&quot;
  oDoc.storeToURL(ConvertToURL(sOut), sProps())
  oDoc.close(True)
End Sub
</script:module>"""


class Counsel:
    """LibreOffice, driven by a Basic macro: edit with tracked changes on; save text with changes accepted."""

    def __init__(self, soffice: str, home: Path) -> None:
        self.soffice, self.home = soffice, home
        self._call("--terminate_after_init")
        basic = home / "user" / "basic"
        (basic / "Standard").mkdir(parents=True, exist_ok=True)
        (basic / "script.xlc").write_text(_XLC.format("script"))
        (basic / "dialog.xlc").write_text(_XLC.format("dialog"))
        (basic / "Standard" / "script.xlb").write_text(_XLB.format('<library:element library:name="Counsel"/>'))
        (basic / "Standard" / "dialog.xlb").write_text(_XLB.format(""))
        (basic / "Standard" / "Counsel.xba").write_text(_MODULE)

    def _call(self, *args: str) -> None:
        subprocess.run(
            [self.soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{self.home}", *args],
            check=True,
            capture_output=True,
            timeout=180,
        )

    def edit(self, docx: Path, out: Path) -> None:
        # LibreOffice 7.x aborts (NoSuchElementException, signal 6) while closing a document holding both a
        # comment and tracked changes, after the file is saved; the saved file is checked instead of the status.
        proc = subprocess.run(
            [
                self.soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{self.home}",
                f'macro:///Standard.Counsel.Edit("{docx}","{out}")',
            ],
            capture_output=True,
            timeout=180,
        )
        assert proc.returncode in (0, 134), proc.stderr[-2000:]
        assert out.is_file() and zipfile.is_zipfile(out), proc.stderr[-2000:]

    def text(self, docx: Path, accept: bool) -> str:
        out = docx.with_name(f"{docx.stem}-{'accepted' if accept else 'as-is'}.txt")
        self._call(f'macro:///Standard.Counsel.Text("{docx}","{out}","{"accept" if accept else "keep"}")')
        return out.read_text(encoding="utf-8-sig")


@pytest.fixture(scope="module")
def counsel(tmp_path_factory: pytest.TempPathFactory) -> Counsel:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI")
        pytest.skip("LibreOffice not installed")
    return Counsel(exe, tmp_path_factory.mktemp("lo"))


@pytest.mark.slow
def test_counsel_edits_in_libreoffice_come_back_into_the_library(tmp_path: Path, counsel: Counsel) -> None:
    old_lib, lib = tmp_path / "old", tmp_path / "clauses"
    shutil.copytree(REPO / "clauses", old_lib)
    shutil.copytree(REPO / "clauses", lib)
    profile = SAMPLES / "pixelpals.yaml"
    gen = ["--doc", "tos", "--format", "docx", "--no-toc-pages", "-q"]
    assert run("generate", profile, "--library", lib, "-o", tmp_path / "out", *gen).exit_code == 0
    edited = tmp_path / "tos-edited.docx"
    counsel.edit(tmp_path / "out" / "tos.docx", edited)

    result = run("absorb", edited, "-p", profile, "--library", lib, "-o", tmp_path / "patches", "--apply")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "edited generated value: change the profile" in out and "company.name" in out
    assert "One message can be enough; say conduct." in out  # the comment, as a review note
    patches = sorted(p.name for p in (tmp_path / "patches").iterdir())
    assert patches == [
        "summary.html",
        "summary.json",
        "summary.md",
        "tos.prohibited.csam-activities.patch",
        "tos.prohibited.grooming.patch",
        "tos.scope.definition-minor.patch",
    ], out
    grooming = (tmp_path / "patches" / "tos.prohibited.grooming.patch").read_text()
    assert "Alex Counsel" in grooming and "+It does not matter" in grooming and "whole pattern of conduct" in grooming
    applied = (lib / "tos" / "grooming.md").read_text()
    assert f"version: {_bumped('grooming')}" in applied and "rationale:" in applied
    assert "One message can be enough" in applied
    assert "PixelPals Ltd" not in (lib / "tos" / "applies-to.md").read_text()

    assert run("generate", profile, "--library", lib, "-o", tmp_path / "new", *gen).exit_code == 0
    want = counsel.text(edited, accept=True).replace("between you and PixelPals Ltd", "between you and PixelPals", 1)
    got = counsel.text(tmp_path / "new" / "tos.docx", accept=False)
    assert got == want

    diff = run("diff", old_lib, lib, "-p", profile)
    assert diff.exit_code == 1, diff.output
    classes = {
        "tos.prohibited.grooming": "substantive",  # "whole" is a quantifier
        "tos.prohibited.csam-activities": "substantive",  # a bullet of prohibited conduct is gone
        "tos.scope.definition-minor": "needs-review",  # an added sentence no rule proves harmless
    }
    for cid, cls in classes.items():
        name = cid.rsplit(".", 1)[1]
        old = _version(name)
        assert f"({cid}): changed, *{cls}*; version {old} → {_bumped(name)}" in diff.output, diff.output
    assert "tos.scope.applies-to" not in diff.output  # the company-name edit stays out of the library
    assert "3 changes reaching 1 of 1 profile: 2 substantive, 1 needs-review" in diff.output, diff.output


@pytest.mark.slow
def test_clause_markers_survive_a_libreoffice_save_in_every_document(tmp_path: Path, counsel: Counsel) -> None:
    """Lists, tables, checklists and links included: a document saved by LibreOffice reads back with no edits."""
    profile = SAMPLES / "pixelpals.yaml"
    gen = ["--format", "docx", "--no-toc-pages", "-q"]
    assert run("generate", profile, "-o", tmp_path / "out", *gen).exit_code == 0
    saved = tmp_path / "saved"
    docs = [str(tmp_path / "out" / f"{d}.docx") for d in ("tos", "sop", "tips")]
    subprocess.run(
        [
            counsel.soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{counsel.home}",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(saved),
            *docs,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for doc in ("tos", "sop", "tips"):
        xml = zipfile.ZipFile(saved / f"{doc}.docx").read("word/document.xml").decode()
        assert "_pgc_" in xml, doc
        result = run("absorb", saved / f"{doc}.docx", "-p", profile)
        assert result.exit_code == 0, result.output
        assert "No edits found." in result.output, (doc, result.output[-2000:])


def _version(name: str) -> str:
    """The version of a built-in ToS clause, read from the library (it moves as the library is edited)."""
    text = (REPO / "clauses" / "tos" / f"{name}.md").read_text()
    return re.search(r"^version: (\S+)$", text, re.M).group(1)


def _bumped(name: str) -> str:
    major, minor, patch = _version(name).split(".")
    return f"{major}.{minor}.{int(patch) + 1}"
