"""The library API: load a profile, select clauses, render documents, write them.

The command line is a thin layer over these functions; other programs can call
them directly::

    from generator import api
    result = api.generate(["samples/pixelpals.yaml"], "out")
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from . import __version__
from .checks import check_build
from .documents import Decision, Document, Templates, assemble, load_templates, select
from .errors import UsageError
from .library import Library, load_library
from .output import Later, Target, commit, safe_name, write_files
from .profile import Profile, load_profile
from .profile import vocabulary as V
from .render import renderer

ALL_DOCS: tuple[str, ...] = tuple(V.DOC_KINDS)
#: Profiles of a batch laid out by one LibreOffice run (PDF, contents page numbers): start-up is paid
#: once per chunk, and memory holds one chunk's documents.
LAYOUT_CHUNK = 20
#: Profiles built in one child process of a batch (see :mod:`generator.workers`).
GROUP_PROFILES = 4

#: The compliance records pack (``records.{md,html,docx}``, ``records.json``, ``deadlines.ics``): not a
#: clause document, so not in ``ALL_DOCS``; ``--doc records`` asks for it, and by default it is written
#: when the profile has ``uk``, ``eu`` or ``au``.
RECORDS = "records"
#: The notice-and-action kit (``notices.{md,html,docx}`` and ``notices/``: report forms, their JSON Schemas and
#: the "how to report" page; with the SOP, ``sop.json`` gains ``notice_clocks``): by default written when the
#: profile has ``eu``, ``us`` or ``uk``.
NOTICES = "notices"
EXTRA_DOCS: tuple[str, ...] = (RECORDS, NOTICES)
ALL_FORMATS: tuple[str, ...] = tuple(V.FORMATS)
DEFAULT_FORMATS: tuple[str, ...] = V.DEFAULT_FORMATS


@dataclass
class Build:
    """Everything generated for one profile, in memory."""

    profile: Profile
    decisions: list[Decision]
    documents: dict[str, Document]
    files: dict[str, bytes] = field(default_factory=dict)
    included: int | None = None  # clauses included, when ``decisions`` was let go (a summary)
    markers: list[tuple[str, str]] | None = None  # the TO COMPLETE markers, when ``documents`` was let go
    notes: tuple[list[str], list[str]] | None = None  # warnings and assumptions, when the profile was let go

    @property
    def clause_count(self) -> int:
        """How many clauses the documents include."""
        if self.included is not None:
            return self.included
        return sum(1 for d in self.decisions if d.included)

    @property
    def warnings(self) -> list[str]:
        """Legal requirements the profile says the product lacks (also at the top of the counsel appendix)."""
        from .library.guidance import missing_required

        if self.notes is not None:
            return self.notes[0]
        return [
            f"required by law but missing: safeguards.{g.safeguard}: {g.summary()}"
            for g in missing_required(self.profile)
        ]

    @property
    def to_complete(self) -> list[tuple[str, str]]:
        """The "TO COMPLETE" markers in the documents: (profile field, what it is for), sorted."""
        from .documents.routing import markers

        return self.markers if self.markers is not None else markers(self.documents)

    @property
    def assumptions(self) -> list[str]:
        """What the documents assume: implied features, unknown safeguards, undecided determinations."""
        from .library.guidance import assumptions

        if self.notes is not None:
            return self.notes[1]
        return assumptions(self.profile)

    def summary(self) -> Build:
        """Return this build without decisions, documents, file contents or the profile's data.

        Each file name maps to ``b""``; the profile keeps only its source (its
        warnings and assumptions are kept as text), so a batch of thousands
        holds a few hundred bytes per profile once it is built.
        """
        slim = Profile(self.profile.source, {}, ())
        notes = (self.warnings, self.assumptions)
        files = dict.fromkeys(self.files, b"")
        return Build(slim, [], {}, files, self.clause_count, self.to_complete, notes)


@dataclass
class GenerateResult:
    """What ``generate`` wrote."""

    out_dir: Path
    written: Sequence[Path]
    builds: list[Build]
    warnings: list[str] = field(default_factory=list)


def records_by_default(profile: Profile) -> bool:
    """Whether ``generate`` without ``--doc`` writes the records: the profile has ``uk``, ``eu`` or ``au``."""
    from .records import wants_records

    return wants_records(profile)


def notices_by_default(profile: Profile) -> bool:
    """Whether ``generate`` without ``--doc`` writes the notice kit: the profile has ``eu``, ``us`` or ``uk``."""
    from .notices import wants_notices

    return wants_notices(profile)


def want_toc_pages(toc_pages: bool | None = None) -> bool:
    """Decide whether to run the LibreOffice pass that fills in the Word contents' page numbers.

    ``None`` means: when LibreOffice is installed, unless ``POLICYGEN_TOC_PAGES=0``.
    """
    import os

    from .render import find_soffice

    if toc_pages is not None:
        return toc_pages
    return os.environ.get("POLICYGEN_TOC_PAGES", "1") != "0" and find_soffice() is not None


def build(
    profile: Profile,
    library: Library,
    templates: Templates,
    docs: Sequence[str] = ALL_DOCS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    toc_pages: bool | None = False,
    *,
    final: bool = False,
    sources: bool = True,
) -> Build:
    """Select, assemble and render the documents for one profile.

    Besides ``{doc}.{fmt}`` for each document and format, the SOP gets
    ``sop.json`` (its routing table, for moderation tools). The only I/O is
    LibreOffice, run once for all documents: for the PDF, and with
    ``toc_pages`` (``None``: when LibreOffice is installed, see
    :func:`want_toc_pages`) to lay the Word documents out and write their
    contents' page numbers into them. With ``sources`` false the published
    documents (terms, tips) go without their Sources annex; the SOP keeps its
    notes and sources.

    Raises:
        PolicyGenError: a subclass for each kind of bad input;
            ``pdf.ConverterError`` when PDF is asked for and LibreOffice fails.
    """
    return build_many([profile], library, templates, docs, formats, toc_pages, final=final, sources=sources)[0]


def build_many(
    profiles: Sequence[Profile],
    library: Library,
    templates: Templates,
    docs: Sequence[str] = ALL_DOCS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    toc_pages: bool | None = False,
    *,
    final: bool = False,
    sources: bool = True,
) -> list[Build]:
    """:func:`build` for several profiles, with one LibreOffice run for all their documents.

    LibreOffice's start-up costs more than laying out a document, so a batch
    with PDF or contents page numbers lays every document of these profiles
    out in one run.
    """
    pdfs: dict[str, bytes] = {}
    numbers: dict[str, list[str]] = {}
    needs_layout = bool(docs) and ("pdf" in formats or ("docx" in formats and want_toc_pages(toc_pages)))
    with contextlib.ExitStack() as stack:
        if needs_layout:  # LibreOffice starts now, on the other core, while the documents are built
            from .render import Session

            session = stack.enter_context(Session())
        pending = [_start(p, library, templates, docs, formats, toc_pages, final, sources) for p in profiles]
        to_layout = {f"{i}/{name}": data for i, job in enumerate(pending) for name, data in job.to_layout.items()}
        if to_layout:
            pdf = "pdf" in formats
            pdfs, numbers = session.layout(to_layout, pdf=pdf, pages=any(job.pages for job in pending))
    out = []
    for i, job in enumerate(pending):
        mine = f"{i}/"
        job.result.files.update({k.removeprefix(mine): v for k, v in pdfs.items() if k.startswith(mine)})
        found = {k.removeprefix(mine): v for k, v in numbers.items() if k.startswith(mine)} if job.pages else {}
        out.append(_finish(job, library, templates, found))
    return out


@dataclass
class _Pending:
    """A build whose documents are rendered, waiting for LibreOffice's layout (PDFs, contents pages)."""

    result: Build
    to_layout: dict[str, bytes]
    pages: bool
    table: object | None
    records: Any = None
    notices: Any = None


def _start(
    profile: Profile,
    library: Library,
    templates: Templates,
    docs: Sequence[str],
    formats: Sequence[str],
    toc_pages: bool | None,
    final: bool,
    sources: bool,
) -> _Pending:
    from .documents import quick_reference, routing_table

    decisions = select(library, profile)
    generated = {}
    table = None
    if "sop" in docs:
        table = routing_table(decisions, profile, library)
        generated["quick-reference"] = lambda numbers: quick_reference(table, numbers)
    documents = {
        doc: assemble(doc, decisions, library, templates, profile, generated, sources=sources)
        for doc in docs
        if doc not in EXTRA_DOCS
    }
    if final:  # counsel approved: no draft banner or build details on the pages (they stay in the metadata)
        for document in documents.values():
            document.disclaimer = []
            document.meta["final"] = "true"
            document.meta["footer"] = document.meta["document"]
    check_build(decisions, documents, profile)  # the ToS, SOP and tips must not contradict each other
    records = None
    if RECORDS in docs:
        from .records import build_records

        records = build_records(profile, decisions, library, templates)
        documents[RECORDS] = records.document
        if final:
            records.document.disclaimer = []
            records.document.meta["final"] = "true"
            records.document.meta["footer"] = records.document.meta["document"]
    notices = None
    if NOTICES in docs:
        from .checks import check_notices
        from .notices import build_notices
        from .notices.catalogue import PROMISES, REQUIRED_ELEMENTS

        notices = build_notices(profile, library, templates, final=final)
        # every ToS promise about notices has its letter and SOP step, and every letter its legal elements
        check_notices(decisions, notices.letters, PROMISES, REQUIRED_ELEMENTS)
        documents[NOTICES] = notices.document
        if final:
            notices.document.disclaimer = []
            notices.document.meta["final"] = "true"
            notices.document.meta["footer"] = notices.document.meta["document"]
    result = Build(profile, decisions, documents)
    pages = "docx" in formats and want_toc_pages(toc_pages)
    to_layout: dict[str, bytes] = {}
    for doc, document in documents.items():
        for fmt in formats:
            if fmt == "pdf":
                docx = result.files.get(f"{doc}.docx") or renderer("docx")(document, templates)
                to_layout[f"{doc}.docx"] = docx
            else:
                result.files[f"{doc}.{fmt}"] = renderer(fmt)(document, templates)
                if fmt == "docx" and pages:
                    to_layout[f"{doc}.docx"] = result.files[f"{doc}.docx"]
    return _Pending(result, to_layout, pages, table, records, notices)


def _finish(job: _Pending, library: Library, templates: Templates, numbers: dict[str, list[str]]) -> Build:
    from .documents import routing_json

    result = job.result
    for name, found in numbers.items():
        doc = name.removesuffix(".docx")
        if found and f"{doc}.docx" in result.files:  # the contents with their page numbers filled in
            from .render.docx import render_docx

            result.files[name] = render_docx(result.documents[doc], templates, found)
    if job.table is not None:
        table = job.table
        if job.notices is not None:  # the notice clocks, for a moderation queue's countdown
            table = {**table, "notice_clocks": job.notices.clocks}  # type: ignore[dict-item]
        result.files["sop.json"] = routing_json(table)  # type: ignore[arg-type]
    if job.records is not None:
        result.files["records.json"] = job.records.json_bytes()
        result.files["deadlines.ics"] = job.records.ics
    if job.notices is not None:
        result.files.update(job.notices.files)
    result.files = dict(sorted(result.files.items()))
    result.files["manifest.json"] = manifest(result, library)
    return result


def manifest(result: Build, library: Library, kept: Kept | None = None) -> bytes:
    """Describe a build: library, profile digest, every clause and why.

    ``kept`` (from :func:`kept_files`) adds the files of an earlier run that
    this run did not regenerate, so the manifest lists every file in the folder.
    """
    documents = {}
    kept = kept or Kept()
    for doc in (*ALL_DOCS, *EXTRA_DOCS):
        document = result.documents.get(doc)
        files = {
            (name if name.startswith(NOTICES + "/") else name.split(".", 1)[1]): {
                "path": name,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for name, data in sorted(result.files.items())
            if name.startswith(doc + ".")
            or (doc == RECORDS and name == "deadlines.ics")
            or (doc == NOTICES and name.startswith(NOTICES + "/"))
        }
        files.update(kept.files.get(doc, {}))
        files = dict(sorted(files.items()))
        if document is None:
            if files:
                documents[doc] = {**kept.documents.get(doc, {"title": "", "clauses": []}), "files": files}
            continue
        numbers = {c.id: c.number for s in document.sections for c in s.clauses}
        if doc == RECORDS:
            documents[doc] = {"title": document.title, "files": files, "clauses": _records_clauses(result.files)}
            continue
        if doc == NOTICES:
            documents[doc] = {"title": document.title, "files": files, "clauses": []}
            continue
        documents[doc] = {
            "title": document.title,
            "files": files,
            "clauses": [
                {
                    "id": d.clause.id,
                    "number": numbers.get(d.clause.id),
                    "title": d.clause.title,
                    "version": d.clause.version,
                    "hash": d.clause.content_hash,
                    "reason": d.reason,
                }
                for d in result.decisions
                if d.included and d.clause.doc == doc
            ],
        }
    data = {
        "generator": {"name": "policygen", "version": __version__},
        "library": {"name": library.name, "version": library.version},
        "profile": {
            "file": Path(result.profile.source).name,
            "digest": "sha256:" + result.profile.digest,
        },
        "documents": documents,
        "excluded": [
            {
                "id": d.clause.id,
                "doc": d.clause.doc,
                "version": d.clause.version,
                "reason": d.reason,
            }
            for d in result.decisions
            if not d.included
        ],
    }
    # The excluded list holds most of the library; one compact line per clause
    # keeps the file diffable and lets the C encoder do the work.
    excluded = data.pop("excluded")
    text = json.dumps(data, indent=2, ensure_ascii=False)
    lines = ",\n    ".join(json.dumps(e, ensure_ascii=False) for e in excluded)
    text = text[:-2] + ',\n  "excluded": [' + (f"\n    {lines}\n  " if excluded else "") + "]\n}"
    return (text + "\n").encode("utf-8")


def _records_clauses(files: dict[str, bytes]) -> list[dict[str, str]]:
    """List the clauses the records cite (id, version, hash), as ``records.json`` records them."""
    if "records.json" not in files:
        return []
    cited = json.loads(files["records.json"])["provenance"]["clauses"]
    return [{"id": cid, "version": c["version"], "hash": c["hash"]} for cid, c in cited.items()]


@dataclass
class Kept:
    """Files of an earlier run left in place by a partial regeneration, as the manifest records them."""

    files: dict[str, dict[str, dict]] = field(default_factory=dict)  # doc -> format -> record
    documents: dict[str, dict] = field(default_factory=dict)  # doc -> title and clauses, when not regenerated


#: The largest manifest.json read back from an output folder.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


def kept_files(folder: Path, written: Sequence[str]) -> Kept:
    """Check and describe the outputs in ``folder`` that this run will not rewrite.

    A partial regeneration (``--doc tips --format html --force``) leaves the
    other documents in place. Each is kept and recorded in the new manifest
    only when the folder's current ``manifest.json`` lists it with the same
    SHA-256; its record says which library and profile produced it.

    Raises:
        OutputError: when an output file would stay in the folder that the
            old manifest does not describe (edited, or not written by policygen),
            naming each file; nothing is written.
    """
    from .errors import OutputError, Problem

    names = {f"{d}.{f}" for d in (*ALL_DOCS, *EXTRA_DOCS) for f in ALL_FORMATS} | {
        "sop.json",
        "records.json",
        "deadlines.ics",
    }
    kit = folder / NOTICES
    if kit.is_dir() and not kit.is_symlink():  # the notice kit's forms, schemas and page
        names |= {  # what the kit writes; a run's staging files (".policygen-…") are not outputs
            f"{NOTICES}/{p.name}"
            for p in kit.iterdir()
            if not p.name.startswith(".") and p.name.endswith((".html", ".schema.json"))
        }
    staying = sorted(n for n in names - set(written) if (folder / n).is_file())
    if not staying:
        return Kept()
    old = _read_manifest(folder / "manifest.json")
    old_docs = old.get("documents") if isinstance(old.get("documents"), dict) else {}
    kept = Kept()
    problems = []
    for name in staying:
        if name == "deadlines.ics":
            doc, fmt = RECORDS, "ics"
        elif name.startswith(NOTICES + "/"):
            doc, fmt = NOTICES, name
        else:
            doc, fmt = name.split(".", 1)
        entry = old_docs.get(doc) if isinstance(old_docs.get(doc), dict) else {}
        files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        record = files.get(fmt) if isinstance(files.get(fmt), dict) else {}
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if record.get("path") != name or record.get("sha256") != digest:
            why = "has changed since manifest.json recorded it" if record else "is not listed in manifest.json"
            problems.append(Problem(str(folder / name), "", why))
            continue
        library = old.get("library") if isinstance(old.get("library"), dict) else {}
        profile = old.get("profile") if isinstance(old.get("profile"), dict) else {}
        kept.files.setdefault(doc, {})[fmt] = {
            "path": name,
            "sha256": digest,
            "kept": True,
            "library_version": str(record.get("library_version", library.get("version", ""))),
            "profile_digest": str(record.get("profile_digest", profile.get("digest", ""))),
        }
        clauses = entry.get("clauses")
        plain = isinstance(clauses, list) and all(
            isinstance(c, dict) and all(isinstance(v, (str, int, type(None))) for v in c.values()) for c in clauses
        )
        kept.documents[doc] = {"title": str(entry.get("title", "")), "clauses": clauses if plain else []}
    if problems:
        raise OutputError(
            f"{folder} holds documents this run does not regenerate, and manifest.json cannot vouch for them; "
            "nothing was written. Regenerate every document and format into this folder, or move these files away.",
            problems,
        )
    return kept


def _read_manifest(path: Path) -> dict:
    """Read an output folder's manifest.json; an unreadable or hostile one counts as empty."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return {}
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def check_choices(values: Sequence[str], allowed: Sequence[str], what: str, option: str) -> None:
    """Raise UsageError for the first value not allowed: option, value, "did you mean" and what is allowed."""
    from .profile import did_you_mean

    for v in values:
        if v not in allowed:
            raise UsageError(f"{option}: unknown {what} {v!r}{did_you_mean(v, allowed)}; allowed: {', '.join(allowed)}")


def _shared(pool: dict[Any, Any], value: Any) -> Any:
    """Return the one copy of ``value`` (a string or tuple) kept in ``pool``: a batch repeats the same texts."""
    return pool.setdefault(value, value)


def _profile_digest(profile: Profile) -> str:
    return hashlib.sha256(json.dumps([profile.data, profile.implied], sort_keys=True, default=str).encode()).hexdigest()


def _checked(path: str | Path, deferred: dict[str, tuple[str | Path, str]] | None) -> Profile:
    """Load and check a profile; with ``deferred``, keep only what names its files and note how to reload it."""
    profile = load_profile(path)
    if deferred is None:
        return profile
    deferred[profile.source] = (path, _profile_digest(profile))
    return Profile(profile.source, {"jurisdictions": list(profile.data["jurisdictions"])}, ())


def _reloaded(profile: Profile, deferred: dict[str, tuple[str | Path, str]]) -> Profile:
    """Return the whole profile for a slim one (read and checked again; it must not have changed)."""
    if profile.source not in deferred:
        return profile
    path, digest = deferred[profile.source]
    full = load_profile(path)
    if _profile_digest(full) != digest:
        from .errors import ProfileError

        raise ProfileError(
            f"Profile {profile.source} changed while the batch was being built; nothing was written. Run it again."
        )
    return full


def generate(
    profiles: Sequence[str | Path],
    out_dir: str | Path,
    *,
    docs: Sequence[str] | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    library_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
    progress: Callable[[Profile], None] | None = None,
    lock: str | Path | None = None,
    allow_drift: bool = False,
    toc_pages: bool | None = None,
    final: bool = False,
    approvals: str | Path | None = None,
    sources: bool = True,
    keep_builds: bool = True,
) -> GenerateResult:
    """Generate documents for one or more profiles into ``out_dir``.

    One profile writes ``out_dir/{doc}.{fmt}`` and ``manifest.json``; several
    write ``out_dir/<profile-stem>/...``. All profiles are validated before
    the library is read; the output is one transaction, so a bad input (a
    profile whose documents cannot be built, a file in the way) leaves no
    partial output and the folder exactly as it was. Several profiles are
    built one at a time, each staged to disk as soon as it is built.

    ``keep_builds=False`` keeps only a summary of each profile's build in
    the result (:meth:`Build.summary`: no documents, decisions or file
    contents), so a batch of thousands runs in flat memory.

    ``toc_pages``: fill in the page numbers of the Word documents' contents
    with a LibreOffice layout pass (``None``: when LibreOffice is installed,
    unless ``POLICYGEN_TOC_PAGES=0``; a few seconds per profile).
    ``sources``: false leaves the Sources annex out of the terms and the
    tips (the published documents); the SOP always keeps it.

    With ``lock``: if the lockfile exists, the documents are generated from
    the exact clause texts it pins (``library_dir`` must not be given); if
    not, the library used is written to it, so the same documents can be
    regenerated later. A lockfile written by another policygen version or
    with other templates is refused unless ``allow_drift``.

    Raises:
        PolicyGenError: a subclass for each kind of bad input.
    """
    if not profiles:
        raise UsageError("No profile given")
    approved = None
    if final or approvals is not None:
        from .review.approvals import read_approvals, unapproved

        if not (final and approvals is not None):
            raise UsageError("--final and --approvals go together: publish only what counsel approved")
        approved = read_approvals(approvals)
    default_docs = docs is None
    docs = (*ALL_DOCS, *EXTRA_DOCS) if docs is None else docs
    check_choices(docs, (*ALL_DOCS, *EXTRA_DOCS), "document", "--doc")
    check_choices(formats, ALL_FORMATS, "format", "--format")
    docs = [d for d in (*ALL_DOCS, *EXTRA_DOCS) if d in docs]
    formats = [f for f in ALL_FORMATS if f in formats]
    warnings = []
    if "pdf" in formats:
        from .render import font_fallback, require_soffice

        require_soffice()  # fail before any work when LibreOffice is missing
        fallback = font_fallback()
        if fallback:
            warnings.append(
                f"The documents' font, Calibri, and its metric-compatible twin Carlito are not installed; "
                f"LibreOffice will use {fallback} instead, so the PDF's line and page breaks differ from Word's. "
                "Install Carlito (Debian/Ubuntu: apt-get install fonts-crosextra-carlito)."
            )
    toc_pages = want_toc_pages(toc_pages) if "docx" in formats else False
    from .workers import can_fork

    # A long batch keeps, of each checked profile, its source and jurisdictions (enough to name its files);
    # the profile is read again, and must check out the same, when it is built (in a child process).
    slim = len(profiles) > 1 and not keep_builds and can_fork()
    deferred: dict[str, tuple[str | Path, str]] = {}
    loaded = [_checked(p, deferred if slim else None) for p in profiles]  # all fail before the library is read
    lock_out: dict[str, bytes] = {}
    templates = load_templates(templates_dir)
    if lock is not None and (Path(lock).exists() or Path(lock).is_symlink()):
        if library_dir is not None:
            raise UsageError("--lock with an existing lockfile pins the library; leave out --library")
        from .library import load_lock, templates_digest

        library = load_lock(lock, templates_digest=templates_digest(templates.search_path), allow_drift=allow_drift)
    else:
        library = load_library(library_dir)
        if lock is not None:
            from .library import lock_bytes, templates_digest

            lock_out[str(lock)] = lock_bytes(library, templates_digest(templates.search_path))
    folders: dict[str, str] = {}
    if len(loaded) > 1:
        for p in loaded:
            name = safe_name(Path(p.source).stem)
            if name in folders:
                raise UsageError(
                    f"Profiles {folders[name]} and {p.source} would both write to folder {name!r}; rename one"
                )
            folders[name] = p.source
    builds: list[Build] = []
    refused: list = []
    several = len(loaded) > 1

    def prefix(p: Profile) -> str:
        return f"{safe_name(Path(p.source).stem)}/" if several else ""

    def wanted(p: Profile) -> list[str]:
        """Return the documents for this profile: without --doc, the records only where they apply."""
        if not default_docs:
            return list(docs)
        skip = {RECORDS} if not records_by_default(p) else set()
        if not notices_by_default(p):
            skip.add(NOTICES)
        return [d for d in docs if d not in skip]

    def build_chunk(chunk: Sequence[Profile]) -> list[Build]:
        """Build a chunk with one LibreOffice run per set of wanted documents, in the chunk's order."""
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, p in enumerate(chunk):
            groups.setdefault(tuple(wanted(p)), []).append(i)
        out: list[Build | None] = [None] * len(chunk)
        for kinds, idx in groups.items():
            group = [chunk[i] for i in idx]
            for i, b in zip(
                idx,
                build_many(group, library, templates, kinds, formats, toc_pages, final=final, sources=sources),
                strict=True,
            ):
                out[i] = b
        return out  # type: ignore[return-value]

    shared_names: dict[tuple[str, ...], dict[str, bytes]] = {}
    shared_text: dict[Any, Any] = {}

    def make(chunk: Sequence[Profile]) -> tuple[dict[str, bytes], list[Build], list]:
        """Build a chunk: its files (by output path), its builds (or their summaries), what --final refuses."""
        files, made, bad = {}, [], []
        chunk = [_reloaded(p, deferred) for p in chunk]
        for p, b in zip(chunk, build_chunk(chunk), strict=True):
            kept = kept_files(Path(out_dir) / prefix(p), list(b.files))
            if kept.files:  # a partial regeneration: the manifest also records what stays
                b.files["manifest.json"] = manifest(b, library, kept)
            files.update({prefix(p) + name: data for name, data in b.files.items()})
            if approved is not None:  # refused before anything is committed: the run is one transaction
                bad.extend(unapproved([b], templates, approved))
            made.append(b if keep_builds else b.summary())
        return files, made, bad

    def produce(chunk: Sequence[Profile], made: tuple | None = None) -> dict[str, bytes]:
        files, built, bad = made if made is not None else make(chunk)
        if not keep_builds:  # summaries: the profiles of a batch mostly share file names, warnings and markers
            for b in built:
                b.files = shared_names.setdefault(tuple(b.files), b.files)
                if b.notes is not None:
                    b.notes = tuple([_shared(shared_text, t) for t in part] for part in b.notes)  # type: ignore[assignment]
                if b.markers is not None:
                    b.markers = [_shared(shared_text, m) for m in b.markers]
        builds.extend(built)
        refused.extend(bad)
        if progress is not None:
            for p in chunk:
                progress(p)
        if refused:
            raise UsageError(
                f"--final refused: {len(refused)} clause version(s), skeleton(s) or marker(s) not approved; "
                "nothing was written. Run `policygen review` and `policygen approve` first.",
                refused,
            )
        return files

    # The documents and a new lockfile are one transaction: every target is
    # checked and staged before anything is replaced, so an unwritable lock
    # path leaves the output folder untouched.
    locks = [Target(Path(path).parent, {Path(path).name: data}, False) for path, data in lock_out.items()]
    if not several:  # built before the folder is locked: a bad profile fails before any file is looked at
        written = commit([Target(Path(out_dir), produce(loaded), force), *locks])
    else:  # a batch: each profile (or chunk) is built, staged and let go in turn, so memory stays flat
        from .workers import Workers, groups_of

        size = LAYOUT_CHUNK if "pdf" in formats or toc_pages else 1  # one LibreOffice run per chunk
        chunks = groups_of(loaded, size)
        # With child processes (workers.py), a few chunks make a group, built and let go in one child.
        forked = not keep_builds and len(chunks) > 1 and can_fork()
        groups = groups_of(chunks, max(1, GROUP_PROFILES // size) if forked else 1)

        def make_group(i: int) -> list[tuple]:
            return [make(c) for c in groups[i]]

        with contextlib.ExitStack() as stack:
            workers = stack.enter_context(Workers(len(groups), make_group)) if forked else None

            def produce_group(i: int) -> dict[str, bytes]:
                made = workers.result(i) if workers is not None else make_group(i)
                files: dict[str, bytes] = {}
                for chunk, result in zip(groups[i], made, strict=True):
                    files.update(produce(chunk, result))
                if not keep_builds:
                    groups[i] = []  # built: its profiles are let go (the summaries keep what is printed)
                return files

            later = [
                Later(
                    tuple(prefix(p) + n for c in group for p in c for n in build_names(wanted(p), formats, p)),
                    partial(produce_group, i),
                )
                for i, group in enumerate(groups)
            ]
            if not keep_builds:
                loaded.clear()  # the groups hold each profile until it is built
                chunks.clear()
            written = commit([Target(Path(out_dir), {}, force, later), *locks])
    return GenerateResult(Path(out_dir), written, builds, warnings)


def to_complete(
    profile_path: str | Path,
    library_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
) -> list[tuple[str, str]]:
    """Return the "TO COMPLETE" markers a profile's documents would show (``lint --profile``).

    Assembles the three documents, and for an ``eu``, ``us`` or ``uk`` profile
    the notice kit, in memory (nothing is written) and returns sorted (profile
    field, what it is for) pairs for every ``contacts:`` field, and
    ``notices.form_action``, the documents need and the profile leaves empty.

    Raises:
        PolicyGenError: for a bad profile, library or templates.
    """
    from .documents import quick_reference, routing_table
    from .documents.routing import markers

    profile = load_profile(profile_path)
    library = load_library(library_dir)
    templates = load_templates(templates_dir)
    decisions = select(library, profile)
    table = routing_table(decisions, profile, library)
    generated = {"quick-reference": lambda numbers: quick_reference(table, numbers)}
    documents = {doc: assemble(doc, decisions, library, templates, profile, generated) for doc in templates.skeletons}
    if notices_by_default(profile):  # the notice kit's forms need notices.form_action
        from .notices import build_notices

        documents[NOTICES] = build_notices(profile, library, templates).document
    return markers(documents)


def build_names(docs: Sequence[str], formats: Sequence[str], profile: Profile | None = None) -> list[str]:
    """Return the names of the files :func:`build` makes for these documents and formats.

    The notice-and-action kit's forms depend on the profile's jurisdictions, so
    with ``notices`` among ``docs`` the ``profile`` is needed to name them.
    """
    names = [f"{doc}.{fmt}" for doc in docs for fmt in formats]
    if "sop" in docs:
        names.append("sop.json")
    if RECORDS in docs:
        names += ["records.json", "deadlines.ics"]
    if NOTICES in docs:
        from .notices.build import kit_names

        if profile is None:
            raise ValueError("build_names needs the profile to name the notice-and-action kit's files")
        names += kit_names(profile)
    return [*sorted(names), "manifest.json"]


def gaps(profile_path: str | Path) -> list:
    """Return the safeguards to consider for a profile (``library.guidance.Gap``), most weighty first."""
    from .library.guidance import gaps as _gaps

    return _gaps(load_profile(profile_path))


def explain(profile_path: str | Path, library_dir: str | Path | None = None) -> list[Decision]:
    """Return the decision (included or not, and why) for every clause."""
    library = load_library(library_dir)
    return select(library, load_profile(profile_path))


def _comparison(
    old_lib: Library, new_lib: Library, old: Any, new: Any, templates: Templates, templates_dir: Any, stack: Any
) -> Any:
    """Both sides' skeletons (a ``git:`` side uses the templates at its revision) and facts.

    ``templates`` are those loaded from ``templates_dir`` (or the built-in
    ones): every side that is not a ``git:`` revision uses them, and a
    lockfile side was checked against their digest.
    """
    from .library.revisions import commit_subjects, side_info, templates_at
    from .review import Comparison

    def side_templates(spec: Any) -> Templates:
        if templates_dir is not None:
            return templates
        folder = stack.enter_context(templates_at(spec))
        return templates if folder is None else load_templates(folder)

    return Comparison(
        old_lib,
        new_lib,
        side_templates(old),
        side_templates(new),
        side_info(old),
        side_info(new),
        commit_subjects(old, new),
    )


def diff(
    old: str | Path | None,
    new: str | Path | None,
    profiles: Sequence[str | Path],
    *,
    against: str | Path | None = None,
    templates_dir: str | Path | None = None,
    allow_drift: bool = False,
    progress: Callable[[Profile], None] | None = None,
) -> list:
    """Compare documents for legal review; return one ``ProfileReview`` per profile.

    ``old`` and ``new`` are library folders, ``git:REV[:PATH]`` or lockfiles.
    A ``git:`` side also uses the document skeletons (``templates/``) at
    that revision, unless ``templates_dir`` is given. With ``against``, one
    profile is compared with another on one library (``old``, or the
    built-in one). A lockfile written by another policygen version or with
    other templates is refused unless ``allow_drift``.

    Raises:
        PolicyGenError: for bad paths, revisions, profiles or libraries.
    """
    from contextlib import ExitStack

    from .review import Comparison, review_profile

    templates = load_templates(templates_dir)
    source = _sources(templates, allow_drift)
    if against is not None:
        if len(profiles) != 1 or new is not None:
            raise UsageError("--against compares one --profile with another on one library")
        with source(old) as library:
            comparison = Comparison(library, library, templates, templates)
            return [review_profile(comparison, load_profile(profiles[0]), against=load_profile(against))]
    if old is None or new is None:
        raise UsageError("diff needs OLD and NEW (library folders, git:REV or lockfiles)")
    with ExitStack() as stack:
        old_lib = stack.enter_context(source(old))
        new_lib = stack.enter_context(source(new))
        if not profiles:
            raise UsageError("diff needs at least one --profile (or --samples DIR)")
        loaded = [load_profile(p) for p in profiles]
        comparison = _comparison(old_lib, new_lib, old, new, templates, templates_dir, stack)
        out = []
        for p in loaded:
            out.append(review_profile(comparison, p))
            if progress is not None:
                progress(p)
        return out


def diff_output(
    reviews: list, out_dir: str | Path, *, force: bool = False, progress: Callable[[], None] | None = None
) -> Sequence[Path]:
    """Write the summary and redlines of ``diff`` to ``out_dir`` (all or nothing; see ``write_files``)."""
    from .review import diff_files

    return _write_review_dir(Path(out_dir), diff_files(reviews, progress), force=force)


def review_packet(
    old: str | Path,
    new: str | Path,
    profiles: Sequence[str | Path],
    out_dir: str | Path,
    *,
    force: bool = False,
    templates_dir: str | Path | None = None,
    today: dt.date | None = None,
    max_age_days: int = 365,
    allow_drift: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[list, list[Path]]:
    """Write a review packet for OLD -> NEW over several profiles; return (reviews, files written).

    OLD and NEW are as for :func:`diff`, ``allow_drift`` too.
    ``progress`` is called with "compare" after each profile is compared and
    "render" after each profile's redlines are rendered.
    """
    from contextlib import ExitStack

    from .review import packet_files, review_profile

    if not profiles:
        raise UsageError("review needs profiles: --samples DIR or --profile FILE")
    templates = load_templates(templates_dir)
    source = _sources(templates, allow_drift)
    loaded = [load_profile(p) for p in profiles]
    with ExitStack() as stack:
        old_lib = stack.enter_context(source(old))
        new_lib = stack.enter_context(source(new))
        comparison = _comparison(old_lib, new_lib, old, new, templates, templates_dir, stack)
        reviews = []
        for p in loaded:
            reviews.append(review_profile(comparison, p))
            if progress is not None:
                progress("compare")
        files = packet_files(
            reviews,
            old_lib,
            new_lib,
            today=today or dt.date.today(),
            max_age_days=max_age_days,
            progress=(lambda: progress("render")) if progress is not None else None,
        )
    return reviews, _write_review_dir(Path(out_dir), files, force=force)


#: Files and folders ``diff -o`` and ``review -o`` write; with --force, earlier ones are replaced as a whole.
_REVIEW_OUTPUTS = ("summary.", "impact.", "citations.md", "stale.md", "README.md", "redline/")


def approve(review_dir: str | Path, by: str, *, note: str | None = None, today: dt.date | None = None) -> int:
    """Record counsel's approval of everything a review packet covers; return the entries added.

    Writes ``REVIEW_DIR/approvals.json`` (schema in docs/diff-format.md),
    keeping earlier entries.

    Raises:
        UsageError: when the folder is not a review packet.
    """
    from .review.approvals import approve as build_approvals

    target, data, added = build_approvals(review_dir, by, note, today or dt.date.today())
    write_files(target.parent, {target.name: data}, force=True)
    return added


def _write_review_dir(out_dir: Path, files: dict[str, bytes], *, force: bool) -> Sequence[Path]:
    """Write a diff or review folder all or nothing; with ``force``, earlier outputs go (other files stay).

    The new folder is written beside the old one with ``write_files`` (the
    writer ``generate`` uses), files the tool did not write (such as
    ``approvals.json``) are carried over, and the two folders are swapped,
    so stale redlines never sit next to new ones and a failure leaves the
    old folder exactly as it was.
    """
    import os
    import shutil
    import tempfile

    if not force or not out_dir.is_dir():
        return write_files(out_dir, files, force=force)
    keep: dict[str, bytes] = {}
    for path in sorted(out_dir.rglob("*")):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith(_REVIEW_OUTPUTS) and rel not in files:
            keep[rel] = path.read_bytes()
    parent = out_dir.resolve().parent
    staging = Path(tempfile.mkdtemp(prefix=".policygen-review-", dir=parent))
    try:
        write_files(staging / "new", {**keep, **files}, force=False)
        os.replace(out_dir, staging / "old")
        os.replace(staging / "new", out_dir)
    except OSError as exc:
        from .errors import OutputError

        if not out_dir.exists() and (staging / "old").exists():
            os.replace(staging / "old", out_dir)
        raise OutputError(f"Cannot write to {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / rel for rel in files]


def _sources(templates: Templates, allow_drift: bool) -> Callable:
    """``library_source`` bound to the templates in use, for lockfile drift checks."""
    from functools import partial

    from .library import library_source, templates_digest

    return partial(library_source, templates_digest=templates_digest(templates.search_path), allow_drift=allow_drift)


def profiles_in(folder: str | Path) -> list[Path]:
    """Return the ``*.yaml`` profiles in a folder, sorted.

    Raises:
        UsageError: when the folder is missing or holds no profiles.
    """
    base = Path(folder)
    if not base.is_dir():
        raise UsageError(f"--samples {folder}: not a folder")
    found = sorted([*base.glob("*.yaml"), *base.glob("*.yml")])
    if not found:
        raise UsageError(f"--samples {folder}: no *.yaml profiles in it")
    return found


#: What ``policygen list`` can show.
LIST_KINDS: tuple[str, ...] = ("services", "jurisdictions", "features", "clauses", "fields", "facts", "documents")


@dataclass
class AbsorbOutcome:
    """What ``absorb`` found and wrote."""

    result: Any
    summary: str
    written: Sequence[Path]


def absorb(
    docx: str | Path,
    profile_path: str | Path,
    library_dir: str | Path | None = None,
    *,
    out_dir: str | Path | None = None,
    apply: bool = False,
    force: bool = False,
    templates_dir: str | Path | None = None,
) -> AbsorbOutcome:
    """Bring counsel's edits to a generated DOCX back into the clause library.

    Writes ``out_dir`` (one patch per clause and the summary) and, with
    ``apply``, the patched clause files into the library, all in one
    transaction.

    Raises:
        PolicyGenError: exit 2 for a document policygen did not generate, from
            another build, or hostile; for bad paths, profiles or libraries.
    """
    from .library import builtin_root
    from .review import absorb as A

    path = Path(docx)
    if path.exists() and not path.is_file():  # a folder, FIFO or device would block or mislead the read
        raise UsageError(f"Cannot read {path}: not a regular file")
    try:
        with open(path, "rb") as fh:
            data = fh.read(A.MAX_DOCX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror}") from None
    library = load_library(library_dir)
    templates = load_templates(templates_dir)
    profile = load_profile(profile_path)
    edited = A.read_edited(data, str(path))
    doc = A.check_build(edited, library, profile, str(path))
    built = build(profile, library, templates, docs=[doc], formats=())
    result = A.absorb(edited, doc, library, profile, built.documents[doc])
    patches, applied = A.outputs(result, str(path), templates, profile)
    targets = []
    if out_dir is not None:
        targets.append(Target(Path(out_dir), patches, force))
    if apply and applied:
        base = Path(library_dir) if library_dir is not None else builtin_root("clauses")
        targets.append(Target(base, applied, True))
    written = commit(targets) if targets else []
    return AbsorbOutcome(result, patches["summary.md"].decode(), written)


def vocabulary(what: str, library_dir: str | Path | None = None) -> tuple[list[str], list[list[str]], str | None]:
    """Return ``(headers, rows, note)`` for ``policygen list WHAT``.

    WHAT is one of services, jurisdictions, features, clauses, fields, facts
    or documents. Only ``clauses`` reads the library (``library_dir`` or the
    built-in one); its note counts the clauses.
    """
    if what == "services":
        return ["id", "service", "description"], [[t.id, t.label, t.description] for t in V.SERVICES.values()], None
    if what == "jurisdictions":
        rows = [[t.id, t.label, t.description] for t in V.JURISDICTIONS.values()]
        rows.append([V.GLOBAL, "Global baseline", "Applies to every profile; not listed in profiles."])
        return ["id", "jurisdiction", "law it brings in"], rows, None
    if what == "documents":
        rows = [[t.id, t.label, t.description] for t in V.DOC_KINDS.values()]
        rows.append([RECORDS, "Compliance records", "Risk assessments, measure registers and deadlines (uk, eu, au)."])
        rows.append([NOTICES, "Notice-and-action kit", "Report forms, letters and notice clocks (eu, us, uk)."])
        return ["id", "document", "description"], rows, None
    if what == "features":
        return ["feature", "meaning"], [[k, v] for k, v in V.FEATURES.items()], None
    if what == "fields":
        from .profile import field_reference

        return ["field", "", "allowed", "meaning"], [list(r) for r in field_reference()], None
    if what == "facts":
        from .library import FACT_DOCS, FACTS

        return ["fact", "kind", "true when"], [[k, FACTS[k][0], FACT_DOCS[k]] for k in FACTS], None
    if what == "clauses":
        library = load_library(library_dir)
        rows = [
            [c.id, c.doc, c.section, c.version, c.meta["last_reviewed"].isoformat()] for c in library.clauses.values()
        ]
        return (
            ["id", "doc", "section", "version", "reviewed"],
            rows,
            f"{len(rows)} clauses in {library.name} {library.version}",
        )
    check_choices([what], LIST_KINDS, "list", "WHAT")
    raise AssertionError(what)  # pragma: no cover - every kind is handled above
