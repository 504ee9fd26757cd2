"""The library API: load a profile, select clauses, render documents, write them.

The command line is a thin layer over these functions; other programs can call
them directly::

    from generator import api
    result = api.generate(["samples/pixelpals.yaml"], "out")
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from . import vocabulary as V
from .assemble import assemble
from .clauses import Library, load_library
from .errors import UsageError
from .model import Document
from .output import safe_name, write_files
from .profile import Profile, load_profile
from .render import renderer
from .selection import Decision, select
from .skeletons import Templates, load_templates

ALL_DOCS: tuple[str, ...] = tuple(V.DOC_KINDS)
ALL_FORMATS: tuple[str, ...] = tuple(V.FORMATS)


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
    formats: Sequence[str] = ALL_FORMATS,
) -> Build:
    """Select, assemble and render the documents for one profile (no I/O)."""
    decisions = select(library, profile)
    documents = {doc: assemble(doc, decisions, library, templates, profile) for doc in docs}
    result = Build(profile, decisions, documents)
    for doc, document in documents.items():
        for fmt in formats:
            result.files[f"{doc}.{fmt}"] = renderer(fmt)(document, templates)
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
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _check_choices(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    for v in values:
        if v not in allowed:
            raise UsageError(f"Unknown {what} {v!r}; allowed: {', '.join(allowed)}")


def generate(
    profiles: Sequence[str | Path],
    out_dir: str | Path,
    *,
    docs: Sequence[str] = ALL_DOCS,
    formats: Sequence[str] = ALL_FORMATS,
    force: bool = False,
    library_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
    progress: Callable[[Profile], None] | None = None,
) -> GenerateResult:
    """Generate documents for one or more profiles into ``out_dir``.

    One profile writes ``out_dir/{doc}.{fmt}`` and ``manifest.json``; several
    write ``out_dir/<profile-stem>/...``. All profiles are validated and all
    documents rendered before any file is written, so a bad input leaves no
    partial output.

    Raises:
        PolicyGenError: a subclass for each kind of bad input.
    """
    if not profiles:
        raise UsageError("No profile given")
    _check_choices(docs, ALL_DOCS, "document")
    _check_choices(formats, ALL_FORMATS, "format")
    docs = [d for d in ALL_DOCS if d in docs]
    formats = [f for f in ALL_FORMATS if f in formats]
    library = load_library(library_dir)
    templates = load_templates(templates_dir)
    loaded = [load_profile(p) for p in profiles]
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
        b = build(p, library, templates, docs, formats)
        builds.append(b)
        prefix = f"{safe_name(Path(p.source).stem)}/" if len(loaded) > 1 else ""
        files.update({prefix + name: data for name, data in b.files.items()})
        if progress is not None:
            progress(p)
    written = write_files(Path(out_dir), files, force=force)
    return GenerateResult(Path(out_dir), written, builds)


def explain(profile_path: str | Path, library_dir: str | Path | None = None) -> list[Decision]:
    """Return the decision (included or not, and why) for every clause."""
    library = load_library(library_dir)
    return select(library, load_profile(profile_path))
