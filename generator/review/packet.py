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
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..documents import Templates, assemble, select
from ..errors import OutputError
from ..library import Library
from ..output import safe_name
from ..profile import Profile
from ..profile import vocabulary as V
from .diff import (
    CLASSES,
    DiffResult,
    changed_citations,
    diff_decisions,
    md_cell,
    md_code,
    md_text,
    md_url,
    summary_json,
    summary_markdown,
)
from .docx_redline import render_redline_docx
from .redline import RUnit, flatten, redline, to_html, to_markdown


@dataclass
class ProfileReview:
    """The diff and the redlines for one profile."""

    result: DiffResult
    redlines: dict[str, list[RUnit]]


def review_libraries(old: Library, new: Library, profile: Profile, templates: Templates) -> ProfileReview:
    """Compare what one profile gets from two libraries."""
    return _review((old, profile), (new, profile), (old.root, new.root, profile.source), templates)


def review_profiles(library: Library, old: Profile, new: Profile, templates: Templates) -> ProfileReview:
    """Compare what two profiles get from one library."""
    return _review((library, old), (library, new), (old.source, new.source, f"{old.source} → {new.source}"), templates)


def _review(
    old: tuple[Library, Profile], new: tuple[Library, Profile], labels: tuple[str, str, str], templates: Templates
) -> ProfileReview:
    old_dec, new_dec = select(*old), select(*new)
    result = diff_decisions(old_dec, new_dec, *labels, templates)
    redlines = {
        doc: redline(
            flatten(assemble(doc, old_dec, old[0], templates, old[1])),
            flatten(assemble(doc, new_dec, new[0], templates, new[1])),
        )
        for doc in result.docs_changed()
    }
    return ProfileReview(result, redlines)


def _summary_html(results: list[DiffResult]) -> str:
    head = f"Clause changes: {results[0].old_label} → {results[0].new_label}" if results else "Clause changes"
    parts = [
        f"<h1>{escape(head)}</h1>",
        '<p class="legend">Draft for legal review. Classes: <strong>substantive</strong> '
        "(duty, deadline, recipient, scope or citation changed), <strong>editorial</strong> (wording only), "
        "<strong>metadata</strong> (review data only).</p>",
    ]
    for r in results:
        c = r.counts()
        parts.append(f"<h2>{escape(r.profile)}</h2>")
        parts.append(
            f"<p>{len(r.changes)} changes: {c['substantive']} substantive, {c['editorial']} editorial, "
            f"{c['metadata']} metadata.</p>"
        )
        if not r.changes:
            continue
        parts.append(
            "<table><thead><tr>"
            + "".join(
                f'<th scope="col">{h}</th>'
                for h in ("Document", "Clause", "Change", "Class", "Version", "Why", "Consequence")
            )
            + "</tr></thead><tbody>"
        )
        for ch in r.changes:
            number = ch.new_number or ch.old_number or "-"
            parts.append(
                "<tr>"
                f"<td>{escape(V.DOC_KINDS[ch.doc].label)}</td>"
                f"<td>{escape(number)} {escape(ch.title)}<br><code>{escape(ch.id)}</code></td>"
                f"<td>{escape(ch.kind)}</td><td>{escape(ch.classification)}</td>"
                f"<td>{escape(ch.old_version or '—')} → {escape(ch.new_version or '—')}</td>"
                f"<td>{'<br>'.join(escape(x) for x in ch.reasons)}</td>"
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


def diff_files(reviews: list[ProfileReview]) -> dict[str, bytes]:
    """Return the files ``policygen diff -o DIR`` writes."""
    results = [r.result for r in reviews]
    files = {
        "summary.md": summary_markdown(results).encode(),
        "summary.html": _summary_html(results).encode(),
        "summary.json": (json.dumps(summary_json(results), indent=2, ensure_ascii=False) + "\n").encode(),
    }
    several = len(reviews) > 1
    for review in reviews:
        prefix = f"redline/{safe_name(Path(review.result.profile).stem)}/" if several else "redline/"
        for doc, units in review.redlines.items():
            label = f"{V.DOC_KINDS[doc].label} — {review.result.profile}"
            heading = f"Redline of {label}: {review.result.old_label} → {review.result.new_label}"
            files[f"{prefix}{doc}.md"] = to_markdown(units, heading).encode()
            files[f"{prefix}{doc}.html"] = to_html(units, heading).encode()
            files[f"{prefix}{doc}.docx"] = render_redline_docx(units, heading, label)
    return _checked(files)


def impact_table(reviews: list[ProfileReview]) -> tuple[list[str], list[list[str]]]:
    """Rows of profile x document with counts per change class."""
    headers = ["profile", "document", *CLASSES, "total"]
    rows = []
    for review in reviews:
        r = review.result
        for doc in V.DOC_KINDS:
            mine = [ch for ch in r.changes if ch.doc == doc]
            if mine:
                counts = [str(sum(1 for ch in mine if ch.classification == c)) for c in CLASSES]
                rows.append([Path(r.profile).stem, doc, *counts, str(len(mine))])
    return headers, rows


def packet_files(
    reviews: list[ProfileReview],
    old: Library,
    new: Library,
    *,
    today: dt.date,
    max_age_days: int,
) -> dict[str, bytes]:
    """Return the review packet: diff files plus impact, citations and stale clauses."""
    files = diff_files(reviews)
    headers, rows = impact_table(reviews)
    affected = sorted({row[0] for row in rows})
    unaffected = sorted({Path(r.result.profile).stem for r in reviews} - set(affected))
    impact = ["# Affected profiles", "", f"{len(affected)} of {len(reviews)} profiles change.", ""]
    if rows:
        impact += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        impact += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    if unaffected:
        impact += ["", "Unchanged: " + ", ".join(md_text(name) for name in unaffected) + "."]
    files["impact.md"] = ("\n".join(impact) + "\n").encode()
    files["impact.json"] = (
        json.dumps(
            {
                "affected": affected,
                "unaffected": unaffected,
                "rows": [dict(zip(headers, r, strict=True)) for r in rows],
            },
            indent=2,
        )
        + "\n"
    ).encode()
    cites = changed_citations(old, new)
    lines = ["# Citations that changed", ""]
    for entry in cites:
        lines.append(f"- {md_code(entry['id'])}")
        for what in ("removed", "added"):
            lines += [
                f"    - {what}: {md_text(c['source'])} {md_text(c['pinpoint'])} {md_url(c['url'])} "
                f"({md_text(c['verified'])})"
                for c in entry[what]
            ]
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
        "- `summary.md`, `summary.html`, `summary.json` — every clause change per profile, classified "
        "substantive / editorial / metadata, with its suggested consequence.\n"
        "- `redline/` — word-level redlines per profile and document: Markdown and HTML with inserted and "
        "deleted text marked, and Word files with native tracked changes to accept or reject.\n"
        "- `impact.md`, `impact.json` — which profiles and documents change, and how.\n"
        "- `citations.md` — citations added or removed in the library.\n"
        f"- `stale.md` — clauses last reviewed more than {max_age_days} days ago.\n"
    ).encode()
    return _checked(files)
