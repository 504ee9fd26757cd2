"""Clause-level diff between two clause libraries (or two profiles) for legal review.

For each document a profile gets, the clauses are compared by stable id:
*added*, *removed*, *moved* (same text, new place) and *changed*. Each change
is classified:

* ``substantive`` -- the duty, deadline, recipient, scope or a citation
  changed: a different ``when``, ``obligations`` or ``citations``, or a body
  edit that changes a number, a time period, a modal word (must, may, will,
  never, ...), a name, a web or email address;
* ``editorial`` -- the body's wording changed and nothing above;
* ``metadata`` -- only review date, version, tags, notes or order changed.

Each entry carries a suggested consequence, e.g. that a substantive change to
the Terms of Service usually needs advance notice to users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..documents import Decision, Templates, load_templates, safe_href, select
from ..library import Clause, Library
from ..profile import Profile
from ..profile import vocabulary as V
from ..render.markdown import escape

CLASSES = ("substantive", "editorial", "metadata")

_SALIENT = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d+(?:[.,]\d+)*|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|sixty|ninety|hundred)\b|"
    r"\b(?:hours?|days?|weeks?|months?|years?|immediately|promptly|without undue delay)\b|"
    r"\b(?:must|may|shall|will|should|never|not|only|always|required|optional|before|after|within)\b",
    re.I,
)
# Acronyms and CamelCase names (NCMEC, NCA, CyberTipline), case-sensitive.
_NAMES = re.compile(r"\b[A-Z]{2,}[a-z]?\b|\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")
# Multi-word names in mid-sentence: "report to the National Crime Agency".
_PROPER = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+(?: (?:of |and |for )?[A-Z][a-z]+)+")


# Line breaks, controls, bidi overrides and invisible format characters.
_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]")


def md_text(value: object) -> str:
    """Escape a value that came from input (file name, clause title, id, reason) for review Markdown.

    Escaped as the document renderers escape text (``render.markdown.escape``),
    so ``<img ...>``, ``<!--`` or ``[x](javascript:...)`` in a profile's file
    name is shown, never run or hidden; also, line breaks, control, bidi and
    invisible format characters are shown as ``U+XXXX``, so a value cannot
    start a new Markdown block, reorder its line or drive a terminal.
    """
    return escape(_HIDDEN.sub(lambda m: f"U+{ord(m.group()):04X}", str(value)))


def md_cell(value: object) -> str:
    """Escape a value for a Markdown table cell (:func:`md_text`, and ``|``)."""
    return md_text(value).replace("|", "\\|")


def md_code(value: object) -> str:
    """Show an identifier as inline code, or as escaped text when it cannot be one safely."""
    text = str(value)
    if not text or "`" in text or _HIDDEN.search(text) or text != text.strip():
        return md_text(text)
    return f"`{text}`"


def md_url(url: object) -> str:
    """Show a web address as an autolink when it is a safe link (``safe_href``), else as escaped text."""
    text = str(url)
    return f"<{text}>" if safe_href(text) and not re.search(r"[<>\s]", text) else md_text(text)


def salient(text: str) -> list[str]:
    """Return the tokens whose change makes an edit substantive."""
    tokens = [t.lower() for t in _SALIENT.findall(text)]
    tokens += _NAMES.findall(text)
    tokens += [m.group(0) for m in _PROPER.finditer(text)]
    return sorted(tokens)


@dataclass
class ClauseChange:
    """One clause's change in one document."""

    id: str
    doc: str
    kind: str  # added | removed | moved | changed
    classification: str  # substantive | editorial | metadata
    title: str
    old_version: str | None
    new_version: str | None
    old_number: str | None = None
    new_number: str | None = None
    reasons: list[str] = field(default_factory=list)
    old_citations: list[dict] = field(default_factory=list)
    new_citations: list[dict] = field(default_factory=list)
    consequence: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (see docs/diff-format.md)."""
        return {
            "id": self.id,
            "doc": self.doc,
            "kind": self.kind,
            "class": self.classification,
            "title": self.title,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "old_number": self.old_number,
            "new_number": self.new_number,
            "reasons": self.reasons,
            "old_citations": self.old_citations,
            "new_citations": self.new_citations,
            "consequence": self.consequence,
        }


@dataclass
class DiffResult:
    """All clause changes for one profile between two sides."""

    old_label: str
    new_label: str
    profile: str
    changes: list[ClauseChange]

    def counts(self) -> dict[str, int]:
        """Count changes per classification."""
        return {c: sum(1 for ch in self.changes if ch.classification == c) for c in CLASSES}

    def docs_changed(self) -> list[str]:
        """Document kinds with at least one change."""
        return [d for d in V.DOC_KINDS if any(ch.doc == d for ch in self.changes)]


_META_ONLY = ("last_reviewed", "version", "tags", "notes", "order", "counsel_questions", "covers")


def classify(old: Clause, new: Clause) -> tuple[str, list[str]]:
    """Classify the change between two versions of one clause, with reasons."""
    reasons = []
    for key, label in (("when", "scope (when)"), ("obligations", "obligations"), ("citations", "citations")):
        if old.meta[key] != new.meta[key]:
            reasons.append(f"{label} changed")
    if old.meta["implements"] != new.meta["implements"] or old.meta["requires"] != new.meta["requires"]:
        reasons.append("links changed")
    body_changed = old.body.strip() != new.body.strip() or old.title != new.title
    if body_changed:
        before, after = salient(old.title + "\n" + old.body), salient(new.title + "\n" + new.body)
        if before != after:
            gone = sorted(set(before) - set(after))
            came = sorted(set(after) - set(before))
            detail = ", ".join([*(f"-{t}" for t in gone[:4]), *(f"+{t}" for t in came[:4])])
            reasons.append(f"text changes a number, period, modal word, name or address ({detail})")
    if reasons:
        return "substantive", reasons
    if body_changed:
        return "editorial", ["wording changed"]
    changed_meta = [k for k in _META_ONLY if old.meta[k] != new.meta[k]]
    return "metadata", [f"{', '.join(changed_meta) or 'file'} changed"]


CONSEQUENCES = {
    ("tos", "substantive"): "Material change to the terms: give users advance notice before it takes effect "
    "(see the 'Changes to these terms' clause) and record consent where your terms require it.",
    ("tos", "editorial"): "Wording only: republish the terms; advance notice is usually not needed.",
    ("sop", "substantive"): "Procedure changed: update the runbook, brief everyone on the rota, "
    "and check tooling and deadlines before the change takes effect.",
    ("sop", "editorial"): "Wording only: republish the SOP.",
    ("tips", "substantive"): "Advice changed: republish the safety pages and check in-app links and help lines.",
    ("tips", "editorial"): "Wording only: republish the safety pages.",
}


def consequence(doc: str, cls: str, kind: str) -> str:
    """Suggest what a change means for the company."""
    if cls == "metadata":
        return "No change to the documents' text; no action needed."
    if kind in ("added", "removed") and doc == "tos":
        return CONSEQUENCES[("tos", "substantive")]
    return CONSEQUENCES[(doc, cls)]


def _numbers(decisions: list[Decision], templates: Templates) -> dict[str, str]:
    """Clause id -> its number in the document (1.2), from selection order."""
    out = {}
    for doc in V.DOC_KINDS:
        chosen = [d.clause for d in decisions if d.included and d.clause.doc == doc]
        sections = templates.skeletons[doc].section_ids
        n = 0
        for sid in sections:
            inside = sorted((c for c in chosen if c.section == sid), key=Clause.sort_key)
            if not inside:
                continue
            n += 1
            for i, c in enumerate(inside, 1):
                out[c.id] = f"{n}.{i}"
    return out


def diff_decisions(
    old: list[Decision],
    new: list[Decision],
    old_label: str,
    new_label: str,
    profile: str,
    templates: Templates | None = None,
) -> DiffResult:
    """Compare two selections clause by clause."""
    templates = templates or load_templates()
    old_sel = {d.clause.id: d.clause for d in old if d.included}
    new_sel = {d.clause.id: d.clause for d in new if d.included}
    old_num, new_num = _numbers(old, templates), _numbers(new, templates)
    changes: list[ClauseChange] = []
    for cid in sorted(set(old_sel) | set(new_sel)):
        a, b = old_sel.get(cid), new_sel.get(cid)
        if a is None:
            assert b is not None
            why = next(d.reason for d in new if d.clause.id == cid)
            changes.append(
                _change(
                    cid, b.doc, "added", "substantive", b, None, b, [f"now selected: {why}"], None, new_num.get(cid)
                )
            )
        elif b is None:
            why = next((d.reason for d in new if d.clause.id == cid), "no longer in the library")
            changes.append(
                _change(
                    cid,
                    a.doc,
                    "removed",
                    "substantive",
                    a,
                    a,
                    None,
                    [f"no longer selected: {why}"],
                    old_num.get(cid),
                    None,
                )
            )
        elif a.content_hash != b.content_hash:
            cls, reasons = classify(a, b)
            if a.section != b.section:
                reasons.append(f"moved from section {a.section} to {b.section}")
            changes.append(_change(cid, b.doc, "changed", cls, b, a, b, reasons, old_num.get(cid), new_num.get(cid)))
        elif old_num.get(cid) != new_num.get(cid) and a.section != b.section:
            changes.append(
                _change(
                    cid,
                    b.doc,
                    "moved",
                    "editorial",
                    b,
                    a,
                    b,
                    [f"moved from section {a.section} to {b.section}"],
                    old_num.get(cid),
                    new_num.get(cid),
                )
            )
    doc_order = {d: i for i, d in enumerate(V.DOC_KINDS)}
    changes.sort(key=lambda ch: (doc_order[ch.doc], ch.new_number or ch.old_number or "", ch.id))
    return DiffResult(old_label, new_label, profile, changes)


def _change(
    cid: str,
    doc: str,
    kind: str,
    cls: str,
    shown: Clause,
    a: Clause | None,
    b: Clause | None,
    reasons: list[str],
    old_number: str | None,
    new_number: str | None,
) -> ClauseChange:
    return ClauseChange(
        id=cid,
        doc=doc,
        kind=kind,
        classification=cls,
        title=shown.title,
        old_version=a.version if a else None,
        new_version=b.version if b else None,
        old_number=old_number,
        new_number=new_number,
        reasons=reasons,
        old_citations=[_cite(c) for c in a.meta["citations"]] if a else [],
        new_citations=[_cite(c) for c in b.meta["citations"]] if b else [],
        consequence=consequence(doc, cls, kind),
    )


def _cite(c: dict) -> dict:
    return {"source": c["source"], "pinpoint": c["pinpoint"], "url": c["url"], "verified": c["verified"]}


def diff_libraries(old: Library, new: Library, profile: Profile, templates: Templates | None = None) -> DiffResult:
    """Compare what one profile gets from two libraries."""
    return diff_decisions(select(old, profile), select(new, profile), old.root, new.root, profile.source, templates)


def diff_profiles(library: Library, old: Profile, new: Profile, templates: Templates | None = None) -> DiffResult:
    """Compare what two profiles get from one library."""
    return diff_decisions(select(library, old), select(library, new), old.source, new.source, new.source, templates)


def changed_citations(old: Library, new: Library) -> list[dict[str, Any]]:
    """Citations added, removed or edited anywhere in the library, by clause."""
    out = []
    for cid in sorted(set(old.clauses) | set(new.clauses)):
        a = [_cite(c) for c in old.clauses[cid].meta["citations"]] if cid in old.clauses else []
        b = [_cite(c) for c in new.clauses[cid].meta["citations"]] if cid in new.clauses else []
        if a != b:
            out.append({"id": cid, "removed": [c for c in a if c not in b], "added": [c for c in b if c not in a]})
    return out


def summary_json(results: list[DiffResult]) -> dict[str, Any]:
    """Return the machine-readable summary (schema: docs/diff-format.md)."""
    return {
        "format": "policygen-diff/1",
        "old": results[0].old_label if results else None,
        "new": results[0].new_label if results else None,
        "profiles": [
            {
                "profile": r.profile,
                "counts": r.counts(),
                "documents_changed": r.docs_changed(),
                "changes": [ch.to_json() for ch in r.changes],
            }
            for r in results
        ],
    }


def summary_markdown(results: list[DiffResult]) -> str:
    """Return a reviewer's summary of clause changes, per profile and document.

    Every value from input is escaped (:func:`md_text`): this text is written
    to ``summary.md`` and printed by ``policygen diff``.
    """
    lines = []
    if results:
        lines.append(f"# Clause changes: {md_text(results[0].old_label)} → {md_text(results[0].new_label)}")
    lines.append("")
    lines.append(
        "Draft for legal review. Classes: **substantive** (duty, deadline, recipient, scope or "
        "citation changed), **editorial** (wording only), **metadata** (review data only)."
    )
    for r in results:
        c = r.counts()
        lines += [
            "",
            f"## {md_text(r.profile)}",
            "",
            f"{len(r.changes)} changes: {c['substantive']} substantive, {c['editorial']} editorial, "
            f"{c['metadata']} metadata.",
        ]
        for doc in V.DOC_KINDS:
            mine = [ch for ch in r.changes if ch.doc == doc]
            if not mine:
                continue
            lines += ["", f"### {V.DOC_KINDS[doc].label}", ""]
            for ch in mine:
                number = ch.new_number or ch.old_number or "-"
                version = f"{md_text(ch.old_version or '—')} → {md_text(ch.new_version or '—')}"
                lines.append(
                    f"- **{number} {md_text(ch.title)}** ({md_code(ch.id)}): {ch.kind}, *{ch.classification}*; "
                    f"version {version}"
                )
                for reason in ch.reasons:
                    lines.append(f"    - {md_text(reason)}")
                if ch.old_citations != ch.new_citations:
                    for cite in ch.old_citations:
                        if cite not in ch.new_citations:
                            lines.append(f"    - citation removed: {_cite_md(cite)}")
                    for cite in ch.new_citations:
                        if cite not in ch.old_citations:
                            lines.append(f"    - citation added: {_cite_md(cite)} {md_url(cite['url'])}")
                lines.append(f"    - consequence: {ch.consequence}")
    return "\n".join(lines).strip() + "\n"


def _cite_md(cite: dict) -> str:
    return f"{md_text(cite['source'])} {md_text(cite['pinpoint'])}"
