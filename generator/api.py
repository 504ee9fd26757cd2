"""The library API: load a profile, select clauses, render documents, write them.

The command line is a thin layer over these functions; other programs can call
them directly::

    from generator import api
    result = api.generate(["samples/pixelpals.yaml"], "out")
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .checks import check_build
from .documents import Decision, Document, Templates, assemble, load_templates, select
from .errors import UsageError
from .library import Library, load_library
from .output import safe_name, write_files
from .profile import Profile, load_profile
from .profile import vocabulary as V
from .render import renderer

ALL_DOCS: tuple[str, ...] = tuple(V.DOC_KINDS)
ALL_FORMATS: tuple[str, ...] = tuple(V.FORMATS)
DEFAULT_FORMATS: tuple[str, ...] = V.DEFAULT_FORMATS


@dataclass
class Build:
    """Everything generated for one profile, in memory."""

    profile: Profile
    decisions: list[Decision]
    documents: dict[str, Document]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class GenerateResult:
    """What ``generate`` wrote."""

    out_dir: Path
    written: list[Path]
    builds: list[Build]


def build(
    profile: Profile,
    library: Library,
    templates: Templates,
    docs: Sequence[str] = ALL_DOCS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    final: bool = False,
) -> Build:
    """Select, assemble and render the documents for one profile.

    Besides ``{doc}.{fmt}`` for each document and format, the SOP gets
    ``sop.json`` (its routing table, for moderation tools). The only I/O is
    the PDF conversion, which runs LibreOffice once for all documents.

    Raises:
        PolicyGenError: a subclass for each kind of bad input;
            ``pdf.ConverterError`` when PDF is asked for and LibreOffice fails.
    """
    from .documents import quick_reference, routing_json, routing_table

    decisions = select(library, profile)
    generated = {}
    table = None
    if "sop" in docs:
        table = routing_table(decisions, profile, library)
        generated["quick-reference"] = lambda numbers: quick_reference(table, numbers)
    documents = {doc: assemble(doc, decisions, library, templates, profile, generated) for doc in docs}
    if final:  # counsel approved: no draft banner or build details on the pages (they stay in the metadata)
        for document in documents.values():
            document.disclaimer = []
            document.meta["final"] = "true"
            document.meta["footer"] = document.meta["document"]
    check_build(decisions, documents, profile)  # the ToS, SOP and tips must not contradict each other
    result = Build(profile, decisions, documents)
    docx_for_pdf: dict[str, bytes] = {}
    for doc, document in documents.items():
        for fmt in formats:
            if fmt == "pdf":
                docx = result.files.get(f"{doc}.docx") or renderer("docx")(document, templates)
                docx_for_pdf[f"{doc}.docx"] = docx
            else:
                result.files[f"{doc}.{fmt}"] = renderer(fmt)(document, templates)
    if docx_for_pdf:
        from .render import docx_to_pdf

        result.files.update(docx_to_pdf(docx_for_pdf))
    if table is not None:
        result.files["sop.json"] = routing_json(table)
    result.files = dict(sorted(result.files.items()))
    result.files["manifest.json"] = manifest(result, library)
    return result


def manifest(result: Build, library: Library) -> bytes:
    """Describe a build: library, profile digest, every clause and why."""
    documents = {}
    for doc, document in result.documents.items():
        numbers = {c.id: c.number for s in document.sections for c in s.clauses}
        documents[doc] = {
            "title": document.title,
            "files": {
                name.split(".", 1)[1]: {"path": name, "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in sorted(result.files.items())
                if name.startswith(doc + ".")
            },
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


def _check_choices(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise UsageError(f"Unknown {what} {v!r}; allowed: {', '.join(allowed)}")


def generate(
    profiles: Sequence[str | Path],
    out_dir: str | Path,
    *,
    docs: Sequence[str] = ALL_DOCS,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    library_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
    progress: Callable[[Profile], None] | None = None,
    lock: str | Path | None = None,
    allow_drift: bool = False,
    final: bool = False,
    approvals: str | Path | None = None,
) -> GenerateResult:
    """Generate documents for one or more profiles into ``out_dir``.

    One profile writes ``out_dir/{doc}.{fmt}`` and ``manifest.json``; several
    write ``out_dir/<profile-stem>/...``. All profiles are validated and all
    documents rendered before any file is written, so a bad input leaves no
    partial output.

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
        from .review.approvals import read_approvals

        if not (final and approvals is not None):
            raise UsageError("--final and --approvals go together: publish only what counsel approved")
        approved = read_approvals(approvals)
    _check_choices(docs, ALL_DOCS, "document")
    _check_choices(formats, ALL_FORMATS, "format")
    docs = [d for d in ALL_DOCS if d in docs]
    formats = [f for f in ALL_FORMATS if f in formats]
    if "pdf" in formats:
        from .render import require_soffice

        require_soffice()  # fail before any work when LibreOffice is missing
    loaded = [load_profile(p) for p in profiles]  # bad profiles fail before the library is read
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
    files: dict[str, bytes] = {}
    builds = []
    for p in loaded:
        b = build(p, library, templates, docs, formats, final=final)
        builds.append(b)
        prefix = f"{safe_name(Path(p.source).stem)}/" if len(loaded) > 1 else ""
        files.update({prefix + name: data for name, data in b.files.items()})
        if progress is not None:
            progress(p)
    if approved is not None:
        from .review.approvals import unapproved

        problems = unapproved(builds, templates, approved)
        if problems:
            raise UsageError(
                f"--final refused: {len(problems)} clause version(s), skeleton(s) or marker(s) not approved; "
                "nothing was written. Run `policygen review` and `policygen approve` first.",
                problems,
            )
    written = write_files(Path(out_dir), files, force=force)
    for path, data in lock_out.items():
        target = Path(path)
        written += write_files(target.parent, {target.name: data}, force=False)
    return GenerateResult(Path(out_dir), written, builds)


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
) -> list[Path]:
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


def _write_review_dir(out_dir: Path, files: dict[str, bytes], *, force: bool) -> list[Path]:
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
        return ["id", "document", "description"], [[t.id, t.label, t.description] for t in V.DOC_KINDS.values()], None
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
    raise UsageError(f"Unknown list {what!r}")
