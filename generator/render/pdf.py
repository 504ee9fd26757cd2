"""PDF output: the DOCX converted by headless LibreOffice.

LibreOffice is the well-kept path from a Word document to a PDF that looks the
same as the DOCX a lawyer opens. A plain ``soffice --convert-to pdf`` would
keep the table of contents as the DOCX stores it (entries without page
numbers), so the conversion runs a small LibreOffice Basic macro that opens
each document, updates its indexes (the table of contents gets its page
numbers, in one pass: the DOCX already holds every entry, so filling in
the numbers moves no text to another page; a second pass gave byte-identical
PDFs for every sample, and so did a ``refresh()`` of the document after the
update, which cost a tenth of a second per three documents) and exports the PDF.

The macro lives in a fresh, throw-away LibreOffice profile, so it never
touches the user's own LibreOffice settings and a running LibreOffice does
not intercept the call. policygen writes that profile itself (the macro, its
library's two index files, and the setting that marks the profile as set up,
which stops LibreOffice from replacing the macro with its presets on the
first start; the installation's build id and version, which spare it
re-registering its bundled extensions and re-running its graphics self-tests,
as after an upgrade), so one LibreOffice start does the work. LibreOffice starts
*before* the documents are built (:class:`Session`): its start-up, about as
long as building a profile's documents, runs on the other core while Python
builds them, and the macro waits for the list of files. Where a LibreOffice
version does not take the prepared profile (the macro never runs), the
conversion falls back to letting LibreOffice make the profile first and
running the macro in a second start.

PDF files carry a creation date and a random file id; both are replaced with
values derived from the PDF's content, so the same inputs give the same bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConverterError

#: Seconds allowed for LibreOffice to start and convert one document.
TIMEOUT_START = 120
TIMEOUT_PER_DOC = 60


_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub ExportPdfs(listUrl As String, errorUrl As String, doneUrl As String)
  On Error GoTo Failed
  Dim n As Integer
  Dim waited As Long
  waited = 0
  Do While Not FileExists(ConvertFromURL(listUrl))
    Wait 10
    waited = waited + 10
    If waited &gt; WAIT_MS Then Exit Sub
  Loop
  Dim entry As String
  Dim parts
  Dim args(0) As New com.sun.star.beans.PropertyValue
  Dim f(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  f(0).Name = &quot;FilterName&quot;
  f(0).Value = &quot;writer_pdf_Export&quot;
  n = FreeFile
  Open ConvertFromURL(listUrl) For Input As #n
  Do While Not EOF(n)
    Line Input #n, entry
    If Len(entry) &gt; 0 Then
      parts = Split(entry, &quot; &quot;)
      doc = StarDesktop.loadComponentFromURL(parts(0), &quot;_blank&quot;, 0, args())
      indexes = doc.getDocumentIndexes()
      For i = 0 To indexes.getCount() - 1
        indexes.getByIndex(i).update()
      Next
      If parts(1) &lt;&gt; &quot;-&quot; Then
        doc.storeToURL(parts(1), f())
      End If
      If parts(2) &lt;&gt; &quot;-&quot; Then
        m = FreeFile
        Open ConvertFromURL(parts(2)) For Output As #m
        For i = 0 To indexes.getCount() - 1
          Print #m, indexes.getByIndex(i).getAnchor().getString()
        Next
        Close #m
      End If
      doc.close(True)
    End If
  Loop
  Close #n
  n = FreeFile
  Open ConvertFromURL(doneUrl) For Output As #n
  Print #n, &quot;done&quot;
  Close #n
  Exit Sub
Failed:
  Dim e As Integer
  e = FreeFile
  Open ConvertFromURL(errorUrl) For Output As #e
  Print #e, &quot;Error &quot; &amp; Err &amp; &quot; at line &quot; &amp; Erl &amp; &quot;: &quot; &amp; Error$
  Close #e
End Sub
</script:module>
"""


def find_soffice() -> str | None:
    """Return the LibreOffice command: ``$POLICYGEN_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    explicit = os.environ.get("POLICYGEN_SOFFICE")
    if explicit:
        return explicit if shutil.which(explicit) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """Return the LibreOffice command, or explain how to get it.

    Raises:
        ConverterError: when LibreOffice is not installed.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ConverterError(
            "--format pdf needs LibreOffice, which was not found. Install it (Debian/Ubuntu: "
            "apt-get install libreoffice-writer-nogui; macOS: brew install --cask libreoffice) "
            "or set POLICYGEN_SOFFICE to its soffice program."
        )
    return soffice


def docx_to_pdf(documents: Mapping[str, bytes]) -> dict[str, bytes]:
    """Convert DOCX files (name -> bytes) to PDF (same name, ``.pdf``) in one LibreOffice run.

    Raises:
        ConverterError: when LibreOffice is missing, fails or times out.
    """
    return layout(documents, pdf=True, pages=False)[0]


def layout(
    documents: Mapping[str, bytes], *, pdf: bool = True, pages: bool = True
) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """Lay DOCX files out in one LibreOffice run: their PDFs and their contents' page numbers.

    Returns ``(pdfs, toc_pages)``: ``{name.pdf: bytes}`` when ``pdf``, and,
    when ``pages``, ``{name.docx: [page of each contents entry, in order]}``
    as LibreOffice laid the document out (an empty list when the document
    has no contents). The numbers go back into the DOCX's contents
    (:func:`generator.render.docx.render_docx`), so the Word file shows them
    without asking to update fields.

    Raises:
        ConverterError: when LibreOffice is missing, fails or times out.
    """
    if not documents:
        return {}, {}
    with Session() as session:
        return session.layout(documents, pdf=pdf, pages=pages)


#: Milliseconds the macro waits for its list of documents before it gives up (policygen died without
#: stopping LibreOffice, which it otherwise always does).
WAIT_MS = 600_000

_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" oor:op="fuse">\
<value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
</oor:items>
"""

_LIBRARIES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" library:link="false"/>
</library:libraries>
"""

_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Module1"/>
</library:library>
"""


class Session:
    """One headless LibreOffice, started ahead of the documents it will lay out.

    Creating a session starts LibreOffice in the background with a prepared,
    throw-away profile whose macro waits for a list of documents;
    :meth:`layout` hands it the documents and collects the PDFs and contents
    page numbers. Use it as a context manager: leaving the block stops
    LibreOffice if it is still running (an error while the documents were
    being built) and removes the temporary folder.

    Raises:
        ConverterError: when LibreOffice is missing or cannot be started.
    """

    def __init__(self) -> None:
        self.soffice = require_soffice()
        self._tmp = tempfile.TemporaryDirectory(prefix="policygen-pdf-")
        self.base = Path(self._tmp.name)
        self.env = _soffice_env(self.base)
        self.profile = self.base / "profile"
        self.listing = self.base / "list.txt"
        self.errors = self.base / "errors.txt"
        self.done = self.base / "done.txt"
        _write_profile(self.profile, *_installation_facts(self.soffice))
        self._proc: subprocess.Popen | None = None
        try:
            self._proc = _start(self._command(), self.env)
        except BaseException:
            self._tmp.cleanup()
            raise

    def _command(self) -> list[str]:
        args = ",".join(f'"{u.as_uri()}"' for u in (self.listing, self.errors, self.done))
        profile_arg = f"-env:UserInstallation={self.profile.as_uri()}"
        return [
            self.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            profile_arg,
            f"macro:///Standard.Module1.ExportPdfs({args})",
        ]

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop LibreOffice if it is still running and remove the temporary folder."""
        if self._proc is not None and self._proc.poll() is None:
            _kill_group(self._proc)
        self._proc = None
        self._tmp.cleanup()

    def layout(
        self, documents: Mapping[str, bytes], *, pdf: bool = True, pages: bool = True
    ) -> tuple[dict[str, bytes], dict[str, list[str]]]:
        """Lay the documents out (see :func:`layout`); a session lays out one set of documents."""
        if self._proc is None:
            raise ConverterError("this LibreOffice session has ended")
        base = self.base
        pairs = []
        for i, (name, data) in enumerate(sorted(documents.items())):
            source = base / f"doc{i}.docx"
            source.write_bytes(data)
            pairs.append((name, source, base / f"doc{i}.pdf", base / f"doc{i}.toc.txt"))
        staged = base / "list.tmp"
        staged.write_text(
            "".join(
                f"{s.as_uri()} {t.as_uri() if pdf else '-'} {p.as_uri() if pages else '-'}\n" for _, s, t, p in pairs
            ),
            encoding="utf-8",
        )
        os.replace(staged, self.listing)  # the macro starts on the whole list, never half of it
        proc, self._proc = self._proc, None
        _wait(proc, TIMEOUT_START + TIMEOUT_PER_DOC * len(pairs), self.env)
        if not self.errors.exists() and not self.done.exists():
            # this LibreOffice replaced the prepared macro: let it make its profile, then run the macro
            shutil.rmtree(self.profile, ignore_errors=True)
            profile_arg = f"-env:UserInstallation={self.profile.as_uri()}"
            _run(
                [self.soffice, "--headless", "--norestore", profile_arg, "--terminate_after_init"],
                self.env,
                TIMEOUT_START,
            )
            module = self.profile / "user" / "basic" / "Standard" / "Module1.xba"
            if not module.parent.is_dir():
                raise ConverterError(f"LibreOffice did not create its profile in {self.profile}; cannot convert to PDF")
            module.write_text(_macro(), encoding="utf-8")
            _run(self._command(), self.env, TIMEOUT_START + TIMEOUT_PER_DOC * len(pairs))
        if self.errors.exists():
            detail = self.errors.read_text(errors="replace").strip()
            raise ConverterError(f"LibreOffice could not convert to PDF: {detail}")
        out: dict[str, bytes] = {}
        numbers: dict[str, list[str]] = {}
        for name, _, target, toc in pairs:
            if pdf:
                if not target.is_file() or target.stat().st_size == 0:
                    raise ConverterError(f"LibreOffice did not convert {name} to PDF")
                out[name.rsplit(".", 1)[0] + ".pdf"] = normalise_pdf(target.read_bytes())
            if pages:
                text = toc.read_text(encoding="utf-8", errors="replace") if toc.is_file() else ""
                numbers[name] = _toc_numbers(text)
        return out, numbers


def _macro() -> str:
    return _MACRO.replace("WAIT_MS", str(WAIT_MS))


_BUILD_ID = re.compile(r"[A-Za-z0-9():. _-]{1,64}")


@functools.lru_cache(maxsize=4)  # read once per process: main.xcd is a few megabytes
def _installation_facts(soffice: str) -> tuple[str | None, str | None]:
    """Return the installation's build id and product version (``40(Build:2)``, ``7.4``), each or None.

    The build id is ``buildid=`` in ``versionrc`` beside the program; the
    version is ``ooSetupVersion`` in the installation's ``registry/main.xcd``.
    """
    program = Path(os.path.realpath(soffice)).parent
    build_id = version = None
    for rc in (program / "versionrc", program.parent / "Resources" / "versionrc"):
        for line in _read_head(rc, 65536).splitlines():
            key, _, value = line.partition("=")
            if build_id is None and key.strip() == "buildid" and _BUILD_ID.fullmatch(value.strip()):
                build_id = value.strip()
    for xcd in (
        program.parent / "share" / "registry" / "main.xcd",
        program.parent / "Resources" / "registry" / "main.xcd",
    ):
        found = _SETUP_VERSION.search(_read_head(xcd, 16 * 1024 * 1024))
        if found:
            version = found.group(1)
            break
    return build_id, version


_SETUP_VERSION = re.compile(r'<prop oor:name="ooSetupVersion"[^>]*>\s*<value>(\d{1,4}\.\d{1,4})</value>')


def _read_head(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _write_profile(profile: Path, build_id: str | None = None, version: str | None = None) -> None:
    """Write a LibreOffice user profile that already holds the macro and counts as set up.

    With the installation's ``build_id``, LibreOffice takes its bundled
    extensions as registered (it otherwise re-registers them on a first
    start); with its product ``version`` as the last version this profile
    ran, it skips the graphics self-tests it runs after an upgrade (half a
    second; LibreOffice only writes a log of them).
    """
    standard = profile / "user" / "basic" / "Standard"
    standard.mkdir(parents=True)
    if build_id is not None:
        (profile / "user" / "extensions").mkdir()
        (profile / "user" / "extensions" / "buildid").write_text(build_id, encoding="utf-8")
    registry = _REGISTRY
    if version is not None:
        item = (
            '<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">'
            f"<value>{version}</value></prop></item>\n"
        )
        registry = registry.replace("</oor:items>", item + "</oor:items>")
    (profile / "user" / "registrymodifications.xcu").write_text(registry, encoding="utf-8")
    (profile / "user" / "basic" / "script.xlc").write_text(_LIBRARIES, encoding="utf-8")
    (standard / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
    (standard / "Module1.xba").write_text(_macro(), encoding="utf-8")


_TRAILING_PAGE = re.compile(r"\t\s*(\d+)\s*$")


def _toc_numbers(text: str) -> list[str]:
    """Return the page numbers of a contents' entries from LibreOffice's text of it (title, tab, page)."""
    return [m.group(1) for line in text.splitlines() if (m := _TRAILING_PAGE.search(line))]


def font_fallback(family: str = "Calibri") -> str | None:
    """Return the font fontconfig uses for ``family`` when neither Calibri nor Carlito is installed.

    ``None`` when a metric-compatible font is there, or when fontconfig's
    ``fc-match`` is not available to ask (macOS, Windows).
    """
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{family}", family], capture_output=True, text=True, timeout=20, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not found or any(name in found.lower() for name in ("calibri", "carlito")):
        return None
    return found.split(",")[0]


def _soffice_env(home: Path) -> dict[str, str]:
    """Return LibreOffice's environment: its own HOME, and a fixed time zone and locale.

    LibreOffice writes the PDF creation date in local time with the zone offset
    (``Z`` in UTC, ``+05'30'`` in India), and takes its UI language and number
    formats from the locale; pinning both keeps the bytes the same on every
    machine (``normalise_pdf`` then fixes the date's digits).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update({"HOME": str(home), "TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
    return env


def _start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start LibreOffice in its own process group, so a timeout stops all of its processes.

    Its messages go to a file in the temporary folder (a pipe nobody reads
    while the documents are built could fill up and stall it).
    """
    log = Path(env["HOME"]) / "soffice.log"
    try:
        with open(log, "ab") as err:
            return subprocess.Popen(
                cmd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
    except OSError as exc:
        raise ConverterError(f"Cannot run LibreOffice ({cmd[0]}): {exc.strerror}") from None


def _wait(proc: subprocess.Popen, timeout: float, env: dict[str, str]) -> None:
    """Wait for LibreOffice to finish; stop its whole process group on a timeout or Ctrl-C."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConverterError(f"LibreOffice did not finish within {timeout:.0f} s") from None
    except BaseException:  # Ctrl-C: do not leave LibreOffice running
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        log = Path(env["HOME"]) / "soffice.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        detail = text.strip().splitlines()[-1:] or ["no message"]
        raise ConverterError(f"LibreOffice failed (exit {proc.returncode}): {detail[0]}")


def _run(cmd: list[str], env: dict[str, str], timeout: int) -> None:
    """Run LibreOffice to the end."""
    _wait(_start(cmd, env), timeout, env)


def _kill_group(proc: subprocess.Popen) -> None:
    import signal

    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:[0-9+\-Z']*\)")
_CHECKSUM = re.compile(rb"/DocChecksum /([0-9A-Fa-f]+)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def normalise_pdf(data: bytes) -> bytes:
    """Replace the dates and file id LibreOffice writes with fixed, content-derived values.

    Every replacement keeps its byte length, so the cross-reference offsets
    stay valid.
    """

    def date(m: re.Match[bytes]) -> bytes:
        whole = m.group(0)
        fixed = b"/" + m.group(1) + b"(D:20000101000000Z)"
        return fixed.ljust(len(whole), b" ") if len(fixed) <= len(whole) else whole

    data = _DATE.sub(date, data)
    data = _CHECKSUM.sub(lambda m: b"/DocChecksum /" + b"0" * len(m.group(1)), data)
    found = _ID.search(data)
    if found:
        digest = hashlib.sha256(data[: found.start()] + data[found.end() :]).hexdigest().upper().encode()
        x = digest[: len(found.group(1))]
        new = b"/ID [<" + x + b"><" + x + b">]"
        if len(new) <= len(found.group(0)):
            data = data[: found.start()] + new.ljust(len(found.group(0)), b" ") + data[found.end() :]
        data = _CHECKSUM.sub(lambda m: b"/DocChecksum /" + digest[-len(m.group(1)) :], data)
    return data


__all__ = [
    "ConverterError",
    "Session",
    "docx_to_pdf",
    "find_soffice",
    "font_fallback",
    "layout",
    "normalise_pdf",
    "require_soffice",
]
