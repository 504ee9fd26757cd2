"""Legal review: what changed between two library versions, in the tools lawyers use.

``diff_files`` builds the output of ``policygen diff``: a clause-level summary
(Markdown, HTML, JSON) and, per changed document, a word-level redline in
Markdown, HTML and Word (native tracked changes). ``packet_files`` adds what a
reviewer needs around it: the profiles affected and how, the citations that
changed, and the clauses due for review.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from ..documents import Decision, Document, Templates, assemble, quick_reference, routing_table, select
from ..errors import OutputError
from ..library import Clause, Library
from ..library.revisions import Side
from ..output import safe_name
from ..profile import Profile
from ..profile import vocabulary as V
from ..records import build_records, wants_records
from .approvals import approvable
from .classify import CLASSES, METADATA
from .diff import (
    ClauseChange,
    DiffResult,
    changed_citations,
    diff_decisions,
    grouped,
    library_vocabulary,
    md_cell,
    md_code,
    md_text,
    md_url,
    plural,
    summary_json,
    summary_markdown,
)
from .docx_redline import RedlineCover, render_redline_docx
from .redline import RUnit, flatten, has_changes, redline, to_html, to_markdown


@dataclass
class Comparison:
    """Everything shared by every profile of one comparison: both sides' libraries, skeletons and facts."""

    old: Library
    new: Library
    old_templates: Templates
    new_templates: Templates
    old_side: Side | None = None
    new_side: Side | None = None
    commits: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vocab = library_vocabulary(self.old, self.new, templates=[self.old_templates, self.new_templates])


@dataclass
class ProfileReview:
    """The diff and the redlines for one profile."""

    result: DiffResult
    redlines: dict[str, list[RUnit]]
    comparison: Comparison | None = None
    new_included: dict[str, Clause] = field(default_factory=dict)
    new_docs: tuple[str, ...] = tuple(V.DOC_KINDS)


#: The compliance records: not a clause document, but redlined when a clause it cites changes.
RECORDS = "records"


def doc_label(doc: str) -> str:
    """Return a document's display name (the records included)."""
    return "Compliance records" if doc == RECORDS else V.DOC_KINDS[doc].label


def assemble_generated(
    doc: str, decisions: list[Decision], library: Library, templates: Templates, profile: Profile
) -> Document:
    """Assemble a document exactly as ``generate`` does, generated tables included."""
    generated: dict[str, Callable] = {}
    if doc == "sop":
        table = routing_table(decisions, profile, library)
        generated["quick-reference"] = lambda numbers: quick_reference(table, numbers)
    return assemble(doc, decisions, library, templates, profile, generated)


def review_libraries(old: Library, new: Library, profile: Profile, templates: Templates) -> ProfileReview:
    """Compare what one profile gets from two libraries (same skeletons on both sides)."""
    return review_profile(Comparison(old, new, templates, templates), profile)


def review_profile(comparison: Comparison, profile: Profile, against: Profile | None = None) -> ProfileReview:
    """Compare what one profile gets from the two sides of a comparison (or two profiles on one library)."""
    c = comparison
    new_profile = against or profile
    old_dec, new_dec = select(c.old, profile), select(c.new, new_profile)
    if against is None:
        labels = (c.old.root, c.new.root, profile.source)
    else:
        labels = (profile.source, against.source, f"{profile.source} → {against.source}")
    result = diff_decisions(old_dec, new_dec, *labels, c.old_templates, vocab=c.vocab, new_templates=c.new_templates)
    _add_commits(result, c, {d.clause.id: d.clause.file for d in [*old_dec, *new_dec]})
    redlines = {}
    for doc in result.docs_changed():
        units = redline(
            flatten(assemble_generated(doc, old_dec, c.old, c.old_templates, profile)),
            flatten(assemble_generated(doc, new_dec, c.new, c.new_templates, new_profile)),
        )
        if has_changes(units):
            _annotate(units, [ch for ch in result.changes if ch.doc == doc])
            redlines[doc] = units
    if result.docs_changed() and (wants_records(profile) or wants_records(new_profile)):
        # The compliance records cite clauses by id, version and hash: a change to an implementing clause
        # shows in the code measures register's redline.
        units = redline(
            flatten(build_records(profile, old_dec, c.old, c.old_templates).document),
            flatten(build_records(new_profile, new_dec, c.new, c.new_templates).document),
        )
        if has_changes(units):
            redlines[RECORDS] = units
    return ProfileReview(result, redlines, c, {d.clause.id: d.clause for d in new_dec if d.included})


def review_profiles(library: Library, old: Profile, new: Profile, templates: Templates) -> ProfileReview:
    """Compare what two profiles get from one library."""
    return review_profile(Comparison(library, library, templates, templates), old, against=new)


def _add_commits(result: DiffResult, c: Comparison, files: dict[str, str]) -> None:
    if not c.commits:
        return
    for ch in result.changes:
        shown = files.get(ch.id, "")
        for path, subjects in c.commits.items():
            if shown.replace("\\", "/").endswith("/" + path.split("/", 1)[-1]):
                ch.commits = [*ch.commits, *(s for s in subjects if s not in ch.commits)]


def note(ch: ClauseChange) -> list[str]:
    """Return the review comment for one change: class, reasons, citations, consequence, rationale."""
    lines = [f"{ch.classification} · {ch.kind} · {ch.id}" + (f" (was {ch.old_id})" if ch.old_id else "")]
    lines += ch.field_changes + ch.reasons + [f"warning: {w}" for w in ch.warnings]
    for cite in ch.new_citations or ch.old_citations:
        lines.append(f"citation: {cite['source']} {cite['pinpoint']} <{cite['url']}> ({cite['verified']})")
    lines.append(f"consequence: {ch.consequence}")
    if ch.rationale:
        lines.append(f"rationale: {' '.join(ch.rationale.split())}")
    lines += [f"commit: {s}" for s in ch.commits]
    return lines


def _annotate(units: list[RUnit], changes: list[ClauseChange]) -> None:
    """Attach each change's note to its clause heading (the document title for skeleton changes)."""
    for ch in changes:
        if ch.classification == METADATA and ch.kind != "renamed":
            continue
        if ch.kind == "skeleton":
            target = next((u for u in units if u.status != "equal"), units[0])
        else:
            keys = {ch.id, ch.old_id}
            candidates = [u for u in units if u.key in keys and u.kind == "h2"]
            target = next((u for u in candidates if u.status != "equal"), candidates[0] if candidates else None)
        if target is not None:
            target.notes.extend(note(ch))


def _summary_html(results: list[DiffResult]) -> str:
    head = f"Clause changes: {results[0].old_label} → {results[0].new_label}" if results else "Clause changes"
    entries = grouped(results)
    affected = sum(1 for r in results if r.docs_changed())
    parts = [
        f"<h1>{escape(head)}</h1>",
        '<p class="legend">Draft for legal review. Classes: <strong>substantive</strong> '
        "(duty, deadline, recipient, scope, citation or a trigger word changed), <strong>needs-review</strong> "
        "(the rules cannot tell: read the redline), <strong>editorial</strong> (proven harmless), "
        "<strong>metadata</strong> (no text a reader sees).</p>",
        f"<p>{escape(plural(len(entries), 'change'))} reaching {affected} of "
        f"{escape(plural(len(results), 'profile'))}.</p>",
    ]
    if entries:
        parts.append(
            "<table><thead><tr>"
            + "".join(
                f'<th scope="col">{h}</th>'
                for h in (
                    "Jurisdiction",
                    "Document",
                    "Clause",
                    "Change",
                    "Class",
                    "Version",
                    "Why",
                    "Profiles",
                    "Consequence",
                )
            )
            + "</tr></thead><tbody>"
        )
        for e in entries:
            ch = e["change"]
            number = ch.new_number or ch.old_number or "-"
            why = [*ch.field_changes, *ch.reasons, *(f"warning: {w}" for w in ch.warnings)]
            if ch.rationale:
                why.append(f"rationale: {ch.rationale}")
            why += [f"commit: {x}" for x in ch.commits]
            parts.append(
                "<tr>"
                f"<td>{escape(', '.join(j.upper() for j in ch.jurisdictions) or 'all')}</td>"
                f"<td>{escape(V.DOC_KINDS[ch.doc].label)}</td>"
                f"<td>{escape(number)} {escape(ch.title)}<br><code>{escape(ch.id)}</code></td>"
                f"<td>{escape(ch.kind)}</td><td>{escape(ch.classification)}</td>"
                f"<td>{escape(ch.old_version or '—')} → {escape(ch.new_version or '—')}</td>"
                f"<td>{'<br>'.join(escape(x) for x in why)}</td>"
                f"<td>{len(e['profiles'])}: {escape(', '.join(Path(p).stem for p in e['profiles']))}</td>"
                f"<td>{escape(ch.consequence)}</td></tr>"
            )
        parts.append("</tbody></table>")
    return _page("Clause changes", "\n".join(parts))


def _page(title: str, body: str) -> str:
    css = (
        "body{font:1rem/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0 auto;"
        "max-width:72rem;padding:1.5rem;color:#1b1f24}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #c9ced6;padding:.35rem .5rem;text-align:left;vertical-align:top}"
        "th{background:#f3f5f8}.legend{background:#f3f5f8;padding:.5rem 1rem}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{css}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


#: A packet file name: folders and names of safe characters, none starting with "." (so no "..").
_SAFE_REL = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def _checked(files: dict[str, bytes]) -> dict[str, bytes]:
    """Refuse any file name that could leave the output folder (defence in depth: names come from ids)."""
    for name in files:
        if not _SAFE_REL.match(name):
            raise OutputError(f"Refusing to write {name!r}: not a plain relative name inside the output folder")
    return files


def diff_files(reviews: list[ProfileReview], progress: Callable[[], None] | None = None) -> dict[str, bytes]:
    """Return the files ``policygen diff -o DIR`` writes."""
    results = [r.result for r in reviews]
    files = {
        "summary.md": summary_markdown(results).encode(),
        "summary.html": _summary_html(results).encode(),
        "summary.json": (
            json.dumps({**summary_json(results), "approvable": approvable(reviews)}, indent=2, ensure_ascii=False)
            + "\n"
        ).encode(),
    }
    several = len(reviews) > 1
    for review in reviews:
        r = review.result
        prefix = f"redline/{safe_name(Path(r.profile).stem)}/" if several else "redline/"
        c = review.comparison
        old_side = c.old_side.describe() if c and c.old_side else r.old_label
        new_side = c.new_side.describe() if c and c.new_side else r.new_label
        date = c.new_side.date if c and c.new_side else "2000-01-01T00:00:00Z"
        for doc, units in review.redlines.items():
            label = f"{doc_label(doc)} — {r.profile}"
            heading = f"Redline of {label}: {r.old_label} → {r.new_label}"
            files[f"{prefix}{doc}.md"] = to_markdown(units, heading).encode()
            files[f"{prefix}{doc}.html"] = to_html(units, heading).encode()
            cover = RedlineCover(f"Redline: {doc_label(doc)}", old_side, new_side, r.profile, date)
            templates = c.new_templates if c else None
            files[f"{prefix}{doc}.docx"] = render_redline_docx(units, heading, label, cover=cover, templates=templates)
        if progress is not None:
            progress()
    return _checked(files)


IMPACT_HEADERS = ["profile", "document", "gains", "loses", "text_changed", *(c.replace("-", "_") for c in CLASSES)]


def impact_table(reviews: list[ProfileReview]) -> tuple[list[str], list[list[str]]]:
    """Per profile and document: clauses gained, lost and changed; rows with no effect are left out."""
    rows = []
    for review in reviews:
        r = review.result
        for doc in (*V.DOC_KINDS, RECORDS):
            if doc not in review.redlines:
                continue  # no effect on this document
            mine = [ch for ch in r.changes if ch.doc == doc and ch.classification != METADATA]
            gains = [ch.id for ch in mine if ch.kind == "added"]
            loses = [ch.id for ch in mine if ch.kind == "removed"]
            text = [ch.id for ch in mine if ch.kind not in ("added", "removed")]
            counts = [str(sum(1 for ch in mine if ch.classification == c)) for c in CLASSES]
            rows.append([Path(r.profile).stem, doc, " ".join(gains), " ".join(loses), " ".join(text), *counts])
    return IMPACT_HEADERS, rows


#: Line breaks, controls, bidi overrides and invisible format characters (as ``diff.md_text`` shows them).
_CSV_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]")


def _csv_cell(value: str) -> str:
    """Return a CSV cell a spreadsheet shows as text: hidden characters as ``U+XXXX``, no formula.

    A profile's file name is input: one starting with ``=``, ``+``, ``-`` or
    ``@`` would run as a formula when ``impact.csv`` is opened, so it gets a
    leading ``'``.
    """
    text = _CSV_HIDDEN.sub(lambda m: f"U+{ord(m.group()):04X}", value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _impact_files(reviews: list[ProfileReview]) -> dict[str, bytes]:
    import csv
    import io

    headers, rows = impact_table(reviews)
    affected = sorted({row[0] for row in rows})
    unaffected = sorted({Path(r.result.profile).stem for r in reviews} - set(affected))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([_csv_cell(x) for x in row] for row in rows)
    md = ["# Impact matrix", "", f"{len(affected)} of {plural(len(reviews), 'profile')} change.", ""]
    if rows:
        md += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        md += ["| " + " | ".join(md_cell(x) or "—" for x in row) + " |" for row in rows]
    if unaffected:
        md += ["", "No effect: " + ", ".join(md_text(x) for x in unaffected) + "."]
    return {
        "impact.csv": buf.getvalue().encode(),
        "impact.md": ("\n".join(md) + "\n").encode(),
        "impact.json": (
            json.dumps(
                {
                    "affected": affected,
                    "unaffected": unaffected,
                    "rows": [dict(zip(headers, r, strict=True)) for r in rows],
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        ).encode(),
    }


def packet_files(
    reviews: list[ProfileReview],
    old: Library,
    new: Library,
    *,
    today: dt.date,
    max_age_days: int,
    progress: Callable[[], None] | None = None,
) -> dict[str, bytes]:
    """Return the review packet: diff files plus impact, citations and stale clauses."""
    files = diff_files(reviews, progress)
    files.update(_impact_files(reviews))
    cites = changed_citations(old, new)
    lines = ["# Citations that changed", ""]

    def cite(c: dict) -> str:
        text = f"{md_text(c['source'])} {md_text(c['pinpoint'])} {md_url(c['url'])} ({md_text(c['verified'])})"
        return text + (f" — note: {md_text(' '.join(str(c['note']).split()))}" if c.get("note") else "")

    for entry in cites:
        lines.append(f"- {md_code(entry['id'])}")
        lines += [f"    - old: {cite(c)}" for c in entry["removed"]]
        lines += [f"    - new: {cite(c)}" for c in entry["added"]]
    if not cites:
        lines.append("No citation changed.")
    files["citations.md"] = ("\n".join(lines) + "\n").encode()
    stale = [c for c in new.clauses.values() if (today - c.meta["last_reviewed"]).days > max_age_days]
    lines = [f"# Clauses due for review (last reviewed more than {max_age_days} days before {today.isoformat()})", ""]
    lines += [
        f"- {md_code(c.id)} — {md_text(c.title)} (last reviewed {c.meta['last_reviewed'].isoformat()})" for c in stale
    ]
    if not stale:
        lines.append("None.")
    files["stale.md"] = ("\n".join(lines) + "\n").encode()
    files["README.md"] = (
        f"# Review packet: {md_text(old.root)} ({md_text(old.version)}) → {md_text(new.root)} "
        f"({md_text(new.version)})\n\n"
        "Draft for legal review — not legal advice.\n\n"
        "- `summary.md`, `summary.html`, `summary.json` — every change once, grouped by jurisdiction and "
        "obligation, classified substantive / needs-review / editorial / metadata, with its consequence.\n"
        "- `redline/` — redlines per profile and document: Markdown and HTML with inserted and "
        "deleted text marked, and Word files with native tracked changes and a comment per change.\n"
        "- `impact.csv`, `impact.md`, `impact.json` — per profile and document: clauses gained, lost, changed.\n"
        "- `citations.md` — citations changed in the library, old and new in full.\n"
        f"- `stale.md` — clauses last reviewed more than {max_age_days} days ago.\n\n"
        "Sign off with `policygen approve THIS_FOLDER --by NAME`; publish with "
        "`policygen generate --final --approvals approvals.json`.\n"
    ).encode()
    return _checked(files)
