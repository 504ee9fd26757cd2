"""Check a clause library: schema, ids, links, templates, citations, freshness.

``lint`` keeps going after the first problem and reports everything it finds,
each with file and line, so a reviewer fixes a library in one pass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..documents import MarkdownProblem, Templates, load_templates
from ..errors import LibraryError, Problem
from ..library import Library, load_library, syntax_problems

DEFAULT_MAX_AGE_DAYS = 365


@dataclass
class LintReport:
    """The outcome of linting a library."""

    library: Library | None
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


def lint_library(
    library_dir: str | Path | None = None,
    templates_dir: str | Path | None = None,
    *,
    today: dt.date | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    coverage: bool = True,
) -> LintReport:
    """Lint a library folder (the built-in one by default).

    With ``coverage`` (the default) it also checks that every service x
    jurisdiction pair gets the topics it needs, that no clause is dead, that
    every ToS promise selected for a pair is backed by an SOP step, and that
    the ToS, SOP and tips agree with each other (``consistency``).
    """
    today = today or dt.date.today()
    try:
        library = load_library(library_dir)
    except LibraryError as exc:
        return LintReport(None, exc.problems or [Problem(str(library_dir), "", exc.message)], [])
    try:
        templates = load_templates(templates_dir)
    except LibraryError as exc:
        return LintReport(library, exc.problems or [Problem(str(templates_dir), "", exc.message)], [])
    errors: list[Problem] = []
    warnings: list[Problem] = []
    _links(library, errors)
    _sections(library, templates, errors)
    _templates(library, errors)
    _freshness(library, today, max_age_days, warnings)
    _verification(library, errors)
    _routing(library, errors)
    _claims_source(library, errors)
    _primary_sources(library, warnings)
    _questions(library, errors)
    if coverage:
        from ..documents.selection import memoised

        samples = _sample_profiles()
        assembled: dict = {}  # each sample's decisions and documents, assembled once for both checks
        with memoised():  # the checks below select for the same profiles many times over
            _coverage(library, errors)
            _consistency(library, templates, errors, samples, assembled)
            _claims_rendered(library, templates, errors, samples, assembled)
            _reader_text(library, templates, errors, samples)

    def order(p: Problem) -> tuple:
        return (p.file, p.line or 0)

    return LintReport(library, sorted(errors, key=order), sorted(warnings, key=order))


def _links(library: Library, errors: list[Problem]) -> None:
    ids = list(library.clauses)
    from ..profile import did_you_mean

    for clause in library.clauses.values():
        for kind in ("requires", "excludes", "implements"):
            for i, target in enumerate(clause.meta[kind]):
                if target not in library.clauses:
                    errors.append(
                        Problem(
                            clause.file,
                            f"{kind}[{i}]",
                            f"dangling link to {target!r}" + did_you_mean(target, ids),
                        )
                    )
                elif target == clause.id:
                    errors.append(Problem(clause.file, f"{kind}[{i}]", "a clause cannot link to itself"))
                elif kind == "implements" and library.clauses[target].doc != "tos":
                    errors.append(
                        Problem(
                            clause.file,
                            f"{kind}[{i}]",
                            f"{target!r} is not a ToS clause; implements names ToS promises",
                        )
                    )


def _sections(library: Library, templates: Templates, errors: list[Problem]) -> None:
    from ..profile import did_you_mean

    for clause in library.clauses.values():
        skeleton = templates.skeletons[clause.doc]
        if clause.section not in skeleton.section_ids:
            errors.append(
                Problem(
                    clause.file,
                    "section",
                    f"unknown section {clause.section!r}; {clause.doc} has: {', '.join(skeleton.section_ids)}"
                    + did_you_mean(clause.section, skeleton.section_ids),
                )
            )


def _templates(library: Library, errors: list[Problem]) -> None:
    """Check every body's template syntax, variables, filters and Markdown (cached per library)."""
    import json

    from .. import cache

    digest = cache.key("lint-templates-2", *(c.file + c.content_hash for c in library.clauses.values()))
    data = cache.load("lint", digest)
    if data is not None:
        try:
            errors.extend(Problem(*p) for p in json.loads(data))
            return
        except (ValueError, TypeError):
            pass
    found: list[Problem] = []
    _check_templates(library, found)
    cache.store("lint", digest, json.dumps([[p.file, p.path, p.message, p.line] for p in found]).encode())
    errors.extend(found)


def _check_templates(library: Library, errors: list[Problem]) -> None:
    from ..documents import parse_markdown
    from ..documents.mdparse import unsafe_links

    for clause in library.clauses.values():
        found = syntax_problems(clause.body, clause.file, clause.body_line)
        errors.extend(found)
        if found:
            continue
        # The Markdown structure does not depend on profile values, so parse
        # the body with its Jinja tags removed to catch unsupported constructs.
        try:
            parse_markdown(_strip_jinja(clause.body))
        except MarkdownProblem as exc:
            errors.append(Problem(clause.file, "", str(exc), clause.body_line))
        # A profile value is always a safe link target (the schema checks
        # websites and addresses), so links are checked with one in its place.
        for href in unsafe_links(_strip_jinja(clause.body, "https://x.example/")):
            errors.append(
                Problem(
                    clause.file,
                    "",
                    f"link to {href!r} is not allowed: documents carry only https:, http:, mailto: and tel: "
                    "links and #anchors, so it would show as plain text",
                    clause.body_line,
                )
            )


def _strip_jinja(body: str, value: str = "x") -> str:
    import re

    body = re.sub(r"\{%-?.*?-?%\}", "", body, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", value, body, flags=re.S)


def _freshness(library: Library, today: dt.date, max_age: int, warnings: list[Problem]) -> None:
    for clause in library.clauses.values():
        reviewed = clause.meta["last_reviewed"]
        age = (today - reviewed).days
        if age > max_age:
            warnings.append(
                Problem(
                    clause.file,
                    "last_reviewed",
                    f"{reviewed.isoformat()} is {age} days old (limit {max_age}); review it",
                )
            )
        elif age < 0:
            warnings.append(Problem(clause.file, "last_reviewed", f"{reviewed.isoformat()} is in the future"))


def _verification(library: Library, errors: list[Problem]) -> None:
    for clause in library.clauses.values():
        for i, cite in enumerate(clause.meta["citations"]):
            if cite["verified"] in ("UNVERIFIED", "P") and not (cite["note"] or clause.meta["counsel_questions"]):
                errors.append(
                    Problem(
                        clause.file,
                        f"citations[{i}]",
                        f"marked {cite['verified']} without a note or counsel question saying what is unverified",
                    )
                )


def _primary_sources(library: Library, warnings: list[Problem]) -> None:
    """Warn when a citation marked V (checked against the primary text) points outside the primary domains."""
    from urllib.parse import urlsplit

    domains = [d.lower().strip(".") for d in library.settings.get("primary_domains", [])]
    if not domains:
        return
    for clause in library.clauses.values():
        for i, cite in enumerate(clause.meta["citations"]):
            if cite["verified"] != "V":
                continue
            host = (urlsplit(cite["url"]).hostname or "").lower()
            if not any(host == d or host.endswith("." + d) for d in domains):
                warnings.append(
                    Problem(
                        clause.file,
                        f"citations[{i}].url",
                        f"marked V but {host} is not a primary or official source (library.yaml primary_domains); "
                        "cite the primary text and keep the secondary source in the note",
                    )
                )


def _questions(library: Library, errors: list[Problem]) -> None:
    """One question id, one wording: clauses that share a counsel question must ask it the same way."""
    first: dict[str, tuple[str, str]] = {}
    for clause in library.clauses.values():
        seen: set[str] = set()
        for i, q in enumerate(clause.meta["counsel_questions"]):
            if q["id"] in seen:
                errors.append(Problem(clause.file, f"counsel_questions[{i}].id", f"{q['id']!r} is asked twice here"))
            seen.add(q["id"])
            text = " ".join(q["question"].split())
            if q["id"] in first and first[q["id"]][1] != text:
                errors.append(
                    Problem(
                        clause.file,
                        f"counsel_questions[{i}]",
                        f"question {q['id']!r} is worded differently in {first[q['id']][0]}; a question id has one "
                        "wording, so counsel is asked it once",
                    )
                )
            first.setdefault(q["id"], (clause.file, text))


def jargon_problems(text: str, settings: dict) -> list[str]:
    """Return the tool words (``library.yaml`` jargon lists) found in a reader's text."""
    import re

    found = []
    low = text.lower()
    for phrase in settings.get("jargon_phrases", []):
        if phrase.lower() in low:
            found.append(repr(phrase))
    for pattern in settings.get("jargon_patterns", []):
        m = re.search(pattern, text)
        if m:
            found.append(f"{m.group(0)!r} (pattern {pattern!r})")
    return found


def duplicate_headings(document) -> list[str]:  # noqa: ANN001
    """Return sections whose only clause repeats the section's title ("11. Changes / 11.1 Changes")."""
    return [
        f"{s.number}. {s.title} / {s.clauses[0].number} {s.clauses[0].title}"
        for s in document.sections
        if len(s.clauses) == 1 and s.clauses[0].title.strip().lower() == s.title.strip().lower()
    ]


def document_text(document) -> str:  # noqa: ANN001
    """All the text a reader sees in a document model: headings, tables, notes and appendices."""
    from ..documents import block_text, plain_text

    parts = [document.title, *(block_text(b) for b in [*document.disclaimer, *document.intro])]
    for s in document.all_sections():
        parts.append(s.title)
        parts.extend(block_text(b) for b in s.intro)
        for c in s.clauses:
            parts.append(c.title)
            parts.extend(block_text(b) for b in c.blocks)
    parts.extend(plain_text(n.spans) for n in document.notes)
    return "\n".join(parts)


def _reader_text(library: Library, templates: Templates, errors: list[Problem], samples: list) -> None:
    """No tool jargon and no duplicated heading in any sample's rendered documents (routing tables included)."""
    from ..documents import assemble, quick_reference, routing_table, select
    from ..errors import PolicyGenError

    seen: dict[tuple[str, str], list[str]] = {}
    for profile in samples:  # assembled again, with the quick-reference tables the consistency check leaves out
        try:
            decisions = select(library, profile)
            table = routing_table(decisions, profile, library)
            generated = {"quick-reference": lambda numbers, t=table: quick_reference(t, numbers)}
            documents = {d: assemble(d, decisions, library, templates, profile, generated) for d in templates.skeletons}
        except PolicyGenError:
            continue  # reported by the consistency check
        for doc, document in documents.items():
            for word in jargon_problems(document_text(document), library.settings):
                seen.setdefault((doc, f"tool words reach the reader: {word}"), []).append(Path(profile.source).name)
            for pair in duplicate_headings(document):
                seen.setdefault((doc, f"a heading repeats its section's: {pair}"), []).append(Path(profile.source).name)
    for (doc, message), where in sorted(seen.items()):
        errors.append(Problem(f"rendered {doc}", "", f"{message} (samples: {', '.join(where)})"))


def _coverage(library: Library, errors: list[Problem]) -> None:
    from ..documents import select
    from . import coverage as cov

    implemented = {target for c in library.clauses.values() for target in c.meta["implements"]}
    for clause in library.clauses.values():
        is_promise = clause.doc == "tos" and clause.section in cov.PROMISE_SECTIONS
        if is_promise and clause.id not in implemented:
            errors.append(
                Problem(
                    clause.file,
                    "",
                    "a ToS promise that no SOP clause implements (add `implements:` to the SOP step)",
                )
            )
    for clause in cov.dead_clauses(library):
        errors.append(Problem(clause.file, "when", "dead clause: no valid profile selects it"))
    unbacked: dict[str, set[str]] = {}
    for cell in cov.matrix(library):
        pair = f"{cell.service} x {cell.jurisdiction}"
        for need in cell.missing:
            where = f" for {cell.jurisdiction}" if need.local else ""
            errors.append(
                Problem(
                    f"<coverage {pair}>",
                    need.doc,
                    f"no '{need.topic}' clause{where} is selected (add one, or widen a `when`)",
                )
            )
        decisions = select(library, cov.pair_profile(cell.service, cell.jurisdiction))
        for clause, why in cov.unbacked_promises(decisions):
            unbacked.setdefault(f"{clause.file}\x00{why}", set()).add(pair)
    for key, pairs in sorted(unbacked.items()):
        file, why = key.split("\x00")
        shown = ", ".join(sorted(pairs)[:3]) + (f" and {len(pairs) - 3} more" if len(pairs) > 3 else "")
        errors.append(Problem(file, "implements", f"ToS promise not backed by an SOP step for {shown}: {why}"))


def _routing(library: Library, errors: list[Problem]) -> None:
    """Every SOP report, notify or preserve duty names the routing categories it applies to (for sop.json)."""
    from ..documents import unscoped_obligations

    errors.extend(unscoped_obligations(library.clauses.values()))


def _claims_source(library: Library, errors: list[Problem]) -> None:
    """Report clauses whose text promises a safeguard they neither claim (``claims``) nor guard."""
    from .claims import source_problems

    errors.extend(source_problems(library.clauses.values()))


def _sample_profiles() -> list:
    """Return the sample profiles of a source checkout (none in an installed wheel); broken ones are skipped."""
    from ..errors import PolicyGenError
    from ..profile import load_profile

    folder = Path(__file__).resolve().parents[2] / "samples"
    samples = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            samples.append(load_profile(path))
        except PolicyGenError:
            continue  # a broken sample is the sample tests' business, not the library's
    return samples


def _claims_rendered(
    library: Library, templates: Templates, errors: list[Problem], samples: list, assembled: dict | None = None
) -> None:
    """No rendered clause promises a safeguard its profile does not state: every sample, with and without safeguards."""
    from ..documents import assemble, select
    from ..errors import PolicyGenError
    from .claims import rendered_problems, without_safeguards

    assembled = assembled or {}
    seen: dict[tuple, list[str]] = {}
    for sample in samples:
        for profile in (sample, without_safeguards(sample)):
            try:
                if profile is sample and sample.source in assembled:
                    decisions, documents = assembled[sample.source]
                else:
                    decisions = select(library, profile)
                    documents = {d: assemble(d, decisions, library, templates, profile) for d in templates.skeletons}
            except PolicyGenError:
                continue  # reported by the consistency check
            for p in rendered_problems(decisions, documents, profile):
                seen.setdefault((p.file, p.path, p.message), []).append(profile.source)
    for (file, path, message), _where in sorted(seen.items()):
        errors.append(Problem(file, path, message))


def _consistency(
    library: Library, templates: Templates, errors: list[Problem], samples: list, assembled: dict | None = None
) -> None:
    """Cross-document checks for every service x jurisdiction x team size, and every sample profile.

    Samples are read from the source checkout's ``samples/`` folder when it is
    there (an installed wheel has none). Promise backing for the pairs is
    already reported by ``_coverage``, so the pairs run the other rules.
    """
    from ..errors import PolicyGenError
    from . import consistency

    try:
        errors.extend(consistency.library_problems(library, templates, samples, assembled=assembled))
    except PolicyGenError as exc:
        errors.extend(exc.problems or [Problem(library.root, "", exc.message)])
