"""Clause-level diff between two clause libraries (or two profiles) for legal review.

For each document a profile gets, the clauses are compared by stable id:
*added*, *removed*, *moved* (another section, or another place in its
section), *renamed* (the same body under a new id) and *changed*; changes to
the document skeletons and shared text are *skeleton* changes. Each change is
classified by the fail-safe rules of :mod:`generator.review.classify`:

* ``substantive`` -- the duty, deadline, recipient, scope, routing or a
  citation changed, or the text changed a trigger token (negation, modal,
  quantifier, exception, number, period, address or name), or such tokens
  moved;
* ``needs-review`` -- anything the rules cannot place, and every move;
* ``editorial`` -- only changes the rules prove harmless;
* ``metadata`` -- nothing a reader of this profile's documents sees changed.

Each entry carries a suggested consequence, e.g. that a substantive change to
the Terms of Service usually needs advance notice to users.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..documents import Decision, Templates, load_templates, safe_href, select
from ..library import Clause, Library
from ..profile import Profile
from ..profile import vocabulary as V
from ..render.markdown import escape
from .classify import (
    CLASSES,
    EDITORIAL,
    METADATA,
    NEEDS_REVIEW,
    SUBSTANTIVE,
    Vocabulary,
    classify_text,
    names_from,
    worst,
)

__all__ = [
    "CLASSES",
    "ClauseChange",
    "DiffResult",
    "classify",
    "diff_decisions",
    "library_vocabulary",
    "md_cell",
    "md_code",
    "md_text",
    "md_url",
]

_WORD = re.compile(r"[A-Za-z]+")


def library_vocabulary(*libraries: Library, templates: Iterable[Templates] = ()) -> Vocabulary:
    """Names (citations, recipients, jurisdictions) and the spelling word list of some libraries.

    The word list is every word of the libraries' clause texts and of the
    skeletons, so a spelling fix counts as harmless only when it lands on a
    word the library already uses.
    """
    names: set[str] = {t.label for t in V.JURISDICTIONS.values()}
    words: set[str] = set()
    for lib in libraries:
        for c in lib.clauses.values():
            for cite in c.meta["citations"]:
                names.update(names_from([cite["source"]]))
            for ob in c.meta["obligations"]:
                names.update(names_from([ob["recipient"] or ""]))
            words.update(w.lower() for w in _WORD.findall(c.title + " " + c.body))
    for t in templates:
        for sk in t.skeletons.values():
            words.update(w.lower() for w in _WORD.findall(str(sk.data)))
    return Vocabulary(tuple(sorted(names)), frozenset(words))


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


@dataclass
class ClauseChange:
    """One clause's (or one skeleton's) change in one document."""

    id: str
    doc: str
    kind: str  # added | removed | moved | renamed | changed | skeleton
    classification: str  # substantive | needs-review | editorial | metadata
    title: str
    old_version: str | None
    new_version: str | None
    old_number: str | None = None
    new_number: str | None = None
    reasons: list[str] = field(default_factory=list)
    old_citations: list[dict] = field(default_factory=list)
    new_citations: list[dict] = field(default_factory=list)
    consequence: str = ""
    old_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)
    field_changes: list[str] = field(default_factory=list)
    rationale: str | None = None
    commits: list[str] = field(default_factory=list)
    hash: str | None = None

    def key(self) -> tuple:
        """Return what makes two profiles' entries the same change (for the grouped summary)."""
        return (self.id, self.doc, self.kind, self.classification, self.old_version, self.new_version, self.hash)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form (see docs/diff-format.md)."""
        return {
            "id": self.id,
            "old_id": self.old_id,
            "doc": self.doc,
            "kind": self.kind,
            "class": self.classification,
            "title": self.title,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "hash": self.hash,
            "old_number": self.old_number,
            "new_number": self.new_number,
            "reasons": self.reasons,
            "warnings": self.warnings,
            "jurisdictions": self.jurisdictions,
            "obligations": self.obligations,
            "field_changes": self.field_changes,
            "old_citations": self.old_citations,
            "new_citations": self.new_citations,
            "rationale": self.rationale,
            "commits": self.commits,
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
        """Document kinds whose text changes (metadata-only changes leave a document unchanged)."""
        return [d for d in V.DOC_KINDS if any(ch.doc == d and ch.classification != METADATA for ch in self.changes)]

    def warnings(self) -> list[str]:
        """Warnings (e.g. a substantive change without a version bump), once each."""
        out: list[str] = []
        for ch in self.changes:
            out += [f"{ch.id}: {w}" for w in ch.warnings if f"{ch.id}: {w}" not in out]
        return out


#: Fields whose change makes a clause change substantive (label shown in reasons).
_SUBSTANTIVE = {
    "when": "scope (when) changed",
    "requires": "required clauses (requires) changed",
    "excludes": "replaced clauses (excludes) changed",
    "obligations": "obligations changed",
    "citations": "citations changed",
    "routing": "routing (sop.json and the quick-reference tables) changed",
}
#: Fields that decide only whether a clause is selected: no effect on a profile that has it on both sides.
_SELECTION = ("when", "requires", "excludes")
#: Fields whose change shows in the documents in a way the rules cannot judge.
_REVIEW = {
    "counsel_questions": "questions for counsel (shown in the appendix) changed",
    "audience": "audience changed",
    "channels": "contact channels changed",
    "implements": "the ToS promises this step implements (implements) changed",
    "doc": "document changed",
}
#: Fields no reader sees.
_META_ONLY = ("last_reviewed", "version", "tags", "notes", "covers", "guide_area", "rationale", "order", "section")


def classify(old: Clause, new: Clause, vocab: Vocabulary | None = None) -> tuple[str, list[str]]:
    """Classify the change between two versions of one clause, with reasons."""
    pairs = classify_pairs(old, new, vocab or Vocabulary())
    return worst(c for c, _ in pairs), [r for _, r in pairs]


def classify_pairs(old: Clause, new: Clause, vocab: Vocabulary) -> list[tuple[str, str]]:
    """(class, reason) for every difference between two versions of a clause."""
    out: list[tuple[str, str]] = []
    for key, label in _SUBSTANTIVE.items():
        if old.meta.get(key) != new.meta.get(key):
            out.append((SUBSTANTIVE, label))
    for key, label in _REVIEW.items():
        if old.meta.get(key) != new.meta.get(key):
            out.append((NEEDS_REVIEW, label))
    if old.title != new.title:
        cls, why = classify_text(old.title, new.title, vocab, heading=True)
        out += [(cls, f"title: {w}") for w in why]
    if old.body != new.body:
        cls, why = classify_text(old.body, new.body, vocab)
        out += [(cls, f"text: {w}") for w in why]
    known = {*_SUBSTANTIVE, *_REVIEW, *_META_ONLY, "title", "id"}
    for key in sorted(set(old.meta) | set(new.meta)):
        if key not in known and old.meta.get(key) != new.meta.get(key):
            out.append((NEEDS_REVIEW, f"{key} changed (a field the rules do not know)"))
    if not out:
        changed = [k for k in _META_ONLY if old.meta.get(k) != new.meta.get(k)]
        out.append((METADATA, f"{', '.join(changed) or 'file layout'} changed"))
    return out


CONSEQUENCES = {
    ("tos", SUBSTANTIVE): "Material change to the terms: give users advance notice before it takes effect "
    "(see the 'Changes to these terms' clause) and record consent where your terms require it.",
    ("tos", NEEDS_REVIEW): "Counsel must read the redline: the rules could not tell whether this changes "
    "the terms' meaning. If it does, give users advance notice.",
    ("tos", EDITORIAL): "Wording only (proven harmless): republish the terms; advance notice is usually not needed.",
    ("sop", SUBSTANTIVE): "Procedure changed: update the runbook, brief everyone on the rota, "
    "and check tooling and deadlines before the change takes effect.",
    ("sop", NEEDS_REVIEW): "Read the redline: the rules could not tell whether the procedure changed.",
    ("sop", EDITORIAL): "Wording only (proven harmless): republish the SOP.",
    ("tips", SUBSTANTIVE): "Advice changed: republish the safety pages and check in-app links and help lines.",
    ("tips", NEEDS_REVIEW): "Read the redline: the rules could not tell whether the advice changed.",
    ("tips", EDITORIAL): "Wording only (proven harmless): republish the safety pages.",
}


def consequence(doc: str, cls: str, kind: str) -> str:
    """Suggest what a change means for the company."""
    if kind == "renamed" and cls == METADATA:
        return "Clause id renamed, text unchanged: update approvals, lockfiles and tooling that name the old id."
    if kind == "moved" and cls == NEEDS_REVIEW:
        return "Clause moved: check its meaning in its new place and every cross-reference to its number."
    if cls == METADATA:
        return "No change to this profile's documents."
    if kind in ("added", "removed") and doc == "tos":
        return CONSEQUENCES[("tos", SUBSTANTIVE)]
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


def number_key(number: str | None) -> tuple:
    """Sort key for section numbers: 4.3 < 10.1 < 11.2 (numeric, not text)."""
    parts = (number or "").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def _bumped(old: str | None, new: str | None) -> bool:
    def parse(v: str | None) -> tuple[int, ...]:
        try:
            return tuple(int(x) for x in (v or "").split("."))
        except ValueError:
            return ()

    return parse(new) > parse(old)


def _positions(decisions: list[Decision]) -> dict[tuple[str, str], list[str]]:
    """(doc, section) -> ids of the included clauses in document order (to tell a reorder from a renumbering)."""
    out: dict[tuple[str, str], list[Clause]] = {}
    for d in decisions:
        if d.included:
            out.setdefault((d.clause.doc, d.clause.section), []).append(d.clause)
    return {k: [c.id for c in sorted(v, key=Clause.sort_key)] for k, v in out.items()}


def diff_decisions(
    old: list[Decision],
    new: list[Decision],
    old_label: str,
    new_label: str,
    profile: str,
    templates: Templates | None = None,
    *,
    vocab: Vocabulary | None = None,
    new_templates: Templates | None = None,
) -> DiffResult:
    """Compare two selections clause by clause (and the skeletons, when both sides' are given)."""
    templates = templates or load_templates()
    vocab = vocab or Vocabulary()
    old_sel = {d.clause.id: d.clause for d in old if d.included}
    new_sel = {d.clause.id: d.clause for d in new if d.included}
    old_num, new_num = _numbers(old, templates), _numbers(new, new_templates or templates)
    positions = (_positions(old), _positions(new))
    changes: list[ClauseChange] = []
    added = sorted(set(new_sel) - set(old_sel))
    removed = sorted(set(old_sel) - set(new_sel))
    renames: dict[str, str] = {}
    for gone in removed:
        a = old_sel[gone]
        twin = next(
            (c for c in added if c not in renames.values() and new_sel[c].doc == a.doc and _same_body(a, new_sel[c])),
            None,
        )
        if twin is not None:
            renames[gone] = twin
    for cid in sorted(set(old_sel) | set(new_sel)):
        a, b = old_sel.get(cid), new_sel.get(cid)
        if cid in renames.values():
            continue
        if a is not None and cid in renames:
            b = new_sel[renames[cid]]
            pairs = classify_pairs(a, b, vocab)
            pairs = [p for p in pairs if p[0] != METADATA] or [(METADATA, "text and metadata unchanged")]
            pairs.insert(0, (METADATA, f"id renamed from {cid} to {b.id}"))
            if old_num.get(cid) != new_num.get(b.id) and _moved(positions, a, b):
                pairs.append((NEEDS_REVIEW, f"moved from {old_num.get(cid)} to {new_num.get(b.id)}"))
            changes.append(_change(b.id, "renamed", pairs, a, b, old_num.get(cid), new_num.get(b.id), old_id=cid))
            continue
        if a is None:
            assert b is not None
            why = next(d.reason for d in new if d.clause.id == cid)
            changes.append(
                _change(cid, "added", [(SUBSTANTIVE, f"now selected: {why}")], None, b, None, new_num.get(cid))
            )
        elif b is None:
            why = next((d.reason for d in new if d.clause.id == cid), "no longer in the library")
            changes.append(
                _change(cid, "removed", [(SUBSTANTIVE, f"no longer selected: {why}")], a, None, old_num.get(cid), None)
            )
        else:
            moved = _moved(positions, a, b)
            if a.content_hash == b.content_hash and not moved:
                continue
            pairs = classify_pairs(a, b, vocab) if a.content_hash != b.content_hash else []
            # Selection fields cannot change this profile's documents when it has the clause on both sides.
            pairs = [
                (METADATA, f"{label}; no effect on this profile, which has the clause either way")
                if (cls == SUBSTANTIVE and label in {_SUBSTANTIVE[k] for k in _SELECTION})
                else (cls, label)
                for cls, label in pairs
            ]
            if moved:
                where = f"section {a.section} to {b.section}" if a.section != b.section else "another place"
                pairs.insert(0, (NEEDS_REVIEW, f"moved from {old_num.get(cid)} to {new_num.get(cid)} ({where})"))
            kind = "moved" if moved and worst(c for c, _ in pairs) in (NEEDS_REVIEW, METADATA) else "changed"
            if moved and kind == "changed":
                kind = "moved"
            changes.append(_change(cid, kind, pairs, a, b, old_num.get(cid), new_num.get(cid)))
    if new_templates is not None:
        changes += skeleton_changes(templates, new_templates, vocab, {d.clause.doc for d in new if d.included})
    doc_order = {d: i for i, d in enumerate(V.DOC_KINDS)}
    changes.sort(key=lambda ch: (doc_order[ch.doc], number_key(ch.new_number or ch.old_number), ch.id))
    return DiffResult(old_label, new_label, profile, changes)


def _same_body(a: Clause, b: Clause) -> bool:
    return a.body.strip() == b.body.strip()


def _moved(positions: tuple[dict, dict], a: Clause, b: Clause) -> bool:
    """Tell whether a clause moved: another section, or another place among its section's common clauses."""
    if a.section != b.section:
        return True
    before, after = positions[0][(a.doc, a.section)], positions[1][(b.doc, b.section)]
    common = set(before) & set(after)
    rename = {a.id: b.id}
    before = [rename.get(x, x) for x in before if x in common or x == a.id]
    after = [x for x in after if x in common or x == b.id]
    return before.index(b.id) != after.index(b.id) if b.id in before and b.id in after else False


def _obligation_fields(a: Clause | None, b: Clause | None) -> list[str]:
    """Field-level changes of obligations, e.g. 'US · preserve · period: 1 year → 90 days'."""
    old = a.meta["obligations"] if a else []
    new = b.meta["obligations"] if b else []
    out = []
    matched: set[int] = set()
    for ob in old:
        j = next(
            (
                i
                for i, nb in enumerate(new)
                if i not in matched and nb["kind"] == ob["kind"] and nb["jurisdiction"] == ob["jurisdiction"]
            ),
            None,
        )
        where = f"{ob['jurisdiction'].upper()} · {ob['kind']}"
        if j is None:
            out.append(f"{where} · duty removed: {ob['summary']}")
            continue
        matched.add(j)
        for key in ("recipient", "deadline", "period", "summary", "categories"):
            if ob.get(key) != new[j].get(key):
                out.append(f"{where} · {key}: {_val(ob.get(key))} → {_val(new[j].get(key))}")
    for i, nb in enumerate(new):
        if i not in matched:
            out.append(f"{nb['jurisdiction'].upper()} · {nb['kind']} · duty added: {nb['summary']}")
    return out


def _val(v: Any) -> str:
    if v is None or v == []:
        return "—"
    return ", ".join(v) if isinstance(v, list) else str(v)


def _jurisdictions(c: Clause) -> list[str]:
    found = {ob["jurisdiction"] for ob in c.meta["obligations"]}
    when = c.meta.get("when")
    if isinstance(when, dict):
        j = when.get("jurisdictions")
        if isinstance(j, list):
            found.update(str(x) for x in j)
        elif isinstance(j, str):
            found.add(j)
    return sorted(found)


def _change(
    cid: str,
    kind: str,
    pairs: list[tuple[str, str]],
    a: Clause | None,
    b: Clause | None,
    old_number: str | None,
    new_number: str | None,
    *,
    old_id: str | None = None,
) -> ClauseChange:
    shown = b or a
    assert shown is not None
    cls = worst(c for c, _ in pairs)
    warnings = []
    if cls == SUBSTANTIVE and a is not None and b is not None and not _bumped(a.version, b.version):
        warnings.append(f"version not bumped ({a.version} → {b.version}) for a substantive change")
    both = [c for c in (a, b) if c is not None]
    return ClauseChange(
        id=cid,
        doc=shown.doc,
        kind=kind,
        classification=cls,
        title=shown.title,
        old_version=a.version if a else None,
        new_version=b.version if b else None,
        old_number=old_number,
        new_number=new_number,
        reasons=[r for _, r in pairs],
        old_citations=[_cite(c) for c in a.meta["citations"]] if a else [],
        new_citations=[_cite(c) for c in b.meta["citations"]] if b else [],
        consequence=consequence(shown.doc, cls, kind),
        old_id=old_id,
        warnings=warnings,
        jurisdictions=sorted({j for c in both for j in _jurisdictions(c)}),
        obligations=sorted({ob["kind"] for c in both for ob in c.meta["obligations"]}),
        field_changes=_obligation_fields(a, b),
        rationale=(b.meta.get("rationale") if b else None) or None,
        hash=(b or a).content_hash if (b or a) else None,
    )


def _cite(c: dict) -> dict:
    return {
        "source": c["source"],
        "pinpoint": c["pinpoint"],
        "url": c["url"],
        "verified": c["verified"],
        "note": c.get("note"),
    }


def _skeleton_texts(t: Templates, doc: str) -> dict[str, str]:
    sk = t.skeletons[doc].data
    out = {"title": sk["title"], "intro": sk["intro"] or ""}
    for i, s in enumerate(sk["sections"]):
        out[f"section {s['id']} (position)"] = str(i)
        out[f"section {s['id']} title"] = s["title"]
        out[f"section {s['id']} intro"] = s["intro"] or ""
        out[f"section {s['id']} generated"] = s["generated"] or ""
    for key in ("disclaimer", "draft_notice", "footer", "counsel_title", "counsel_intro", "effective_date_missing"):
        out[f"common {key}"] = str(t.common.get(key) or "")
    return out


def skeleton_changes(old: Templates, new: Templates, vocab: Vocabulary, docs: set[str]) -> list[ClauseChange]:
    """Return the changes to the document skeletons (templates/documents/*.yaml) and the shared text, per document."""
    out = []
    for doc in V.DOC_KINDS:
        if doc not in docs:
            continue
        a, b = _skeleton_texts(old, doc), _skeleton_texts(new, doc)
        pairs: list[tuple[str, str]] = []
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            if x is None or y is None:
                pairs.append((SUBSTANTIVE, f"{key} {'added' if x is None else 'removed'}"))
            elif key.endswith("(position)"):
                pairs.append((NEEDS_REVIEW, f"{key[: -len(' (position)')]} moved"))
            else:
                cls, why = classify_text(x, y, vocab, heading=key.endswith("title"))
                pairs += [(cls, f"{key}: {w}") for w in why]
        if not pairs:
            continue
        cls = worst(c for c, _ in pairs)
        label = V.DOC_KINDS[doc].label
        out.append(
            ClauseChange(
                id=f"skeleton:{doc}",
                doc=doc,
                kind="skeleton",
                classification=cls,
                title=f"{label} skeleton and shared text",
                old_version=None,
                new_version=None,
                reasons=[r for _, r in pairs],
                consequence=consequence(doc, cls, "skeleton"),
                hash=_skeleton_hash(new, doc),
            )
        )
    return out


def _skeleton_hash(t: Templates, doc: str) -> str:
    import hashlib
    import json

    data = json.dumps([t.skeletons[doc].data, t.common], sort_keys=True, default=str, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def skeleton_hash(t: Templates, doc: str) -> str:
    """Hash of a document's skeleton and the shared text (what an approval of a skeleton pins)."""
    return _skeleton_hash(t, doc)


def diff_libraries(old: Library, new: Library, profile: Profile, templates: Templates | None = None) -> DiffResult:
    """Compare what one profile gets from two libraries."""
    vocab = library_vocabulary(old, new)
    return diff_decisions(
        select(old, profile), select(new, profile), old.root, new.root, profile.source, templates, vocab=vocab
    )


def diff_profiles(library: Library, old: Profile, new: Profile, templates: Templates | None = None) -> DiffResult:
    """Compare what two profiles get from one library."""
    return diff_decisions(
        select(library, old),
        select(library, new),
        old.source,
        new.source,
        new.source,
        templates,
        vocab=library_vocabulary(library),
    )


def changed_citations(old: Library, new: Library) -> list[dict[str, Any]]:
    """Citations added, removed or edited anywhere in the library, by clause."""
    out = []
    for cid in sorted(set(old.clauses) | set(new.clauses)):
        a = [_cite(c) for c in old.clauses[cid].meta["citations"]] if cid in old.clauses else []
        b = [_cite(c) for c in new.clauses[cid].meta["citations"]] if cid in new.clauses else []
        if a != b:
            out.append({"id": cid, "removed": [c for c in a if c not in b], "added": [c for c in b if c not in a]})
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 change', '2 changes'."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


_VERIFIED = {
    "V": "checked against the primary text",
    "V2": "checked against a reputable secondary source",
    "P": "partly checked",
    "UNVERIFIED": "not verified",
}


def grouped(results: list[DiffResult]) -> list[dict[str, Any]]:
    """Each distinct change once, with the profiles it reaches (only those whose documents change)."""
    entries: dict[tuple, dict[str, Any]] = {}
    for r in results:
        changed_docs = set(r.docs_changed())
        for ch in r.changes:
            e = entries.setdefault(ch.key(), {"change": ch, "profiles": [], "unaffected": []})
            (e["profiles"] if ch.doc in changed_docs and ch.classification != METADATA else e["unaffected"]).append(
                r.profile
            )
    return list(entries.values())


def _group_key(ch: ClauseChange) -> tuple[str, str]:
    where = ", ".join(j.upper() for j in ch.jurisdictions) or "All jurisdictions"
    what = ", ".join(ch.obligations) or f"{V.DOC_KINDS[ch.doc].label} text"
    return where, what


def summary_json(results: list[DiffResult]) -> dict[str, Any]:
    """Return the machine-readable summary (schema: docs/diff-format.md)."""
    return {
        "format": "policygen-diff/2",
        "old": results[0].old_label if results else None,
        "new": results[0].new_label if results else None,
        "changes": [
            {**e["change"].to_json(), "profiles": e["profiles"], "profiles_unaffected": e["unaffected"]}
            for e in grouped(results)
        ],
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


def _cite_md(c: dict) -> str:
    text = f"{md_text(c['source'])} {md_text(c['pinpoint'])} {md_url(c['url'])}"
    text += f" [{_VERIFIED.get(c['verified'], md_text(str(c['verified'])))}]"
    if c.get("note"):
        text += f" — note: {md_text(' '.join(str(c['note']).split()))}"
    return text


def change_lines(ch: ClauseChange, profiles: list[str] | None = None) -> list[str]:
    """Return the Markdown lines of one change (every input value escaped)."""
    number = ch.new_number or ch.old_number or "-"
    version = f"{ch.old_version or '—'} → {ch.new_version or '—'}"
    head = f"- **{md_text(number)} {md_text(ch.title)}** ({md_text(ch.id)}): {ch.kind}, *{ch.classification}*"
    if ch.kind != "skeleton":
        head += f"; version {md_text(version)}"
    if profiles is not None:
        head += f"; {plural(len(profiles), 'profile')}"
    if ch.warnings:
        head += "; **version not bumped**"
    lines = [head]
    if ch.old_id:
        lines.append(f"    - renamed from {md_text(ch.old_id)}")
    lines += [f"    - {md_text(f)}" for f in ch.field_changes]
    lines += [f"    - {md_text(r)}" for r in ch.reasons]
    lines += [f"    - warning: {md_text(w)}" for w in ch.warnings]
    if ch.old_citations == ch.new_citations:
        lines += [f"    - cites: {_cite_md(c)}" for c in ch.new_citations]
    else:
        for c in ch.old_citations:
            if c not in ch.new_citations:
                lines.append(f"    - citation removed: {_cite_md(c)}")
        for c in ch.new_citations:
            if c not in ch.old_citations:
                lines.append(f"    - citation added: {_cite_md(c)}")
    if ch.rationale:
        lines.append(f"    - rationale: {md_text(' '.join(ch.rationale.split()))}")
    lines += [f"    - commit: {md_text(s)}" for s in ch.commits]
    lines.append(f"    - consequence: {ch.consequence}")
    if profiles:
        names = ", ".join(md_text(_stem(p)) for p in profiles)
        lines.append(f"    - profiles: {names}")
    return lines


def _stem(path: str) -> str:
    from pathlib import Path

    return Path(path).stem


def summary_markdown(results: list[DiffResult]) -> str:
    """Return a reviewer's summary: each change once, grouped by jurisdiction, then obligation.

    Every value from input is escaped (:func:`md_text`): this text is written
    to ``summary.md`` and printed by ``policygen diff``.
    """
    lines = []
    if results:
        lines.append(f"# Clause changes: {md_text(results[0].old_label)} → {md_text(results[0].new_label)}")
    lines.append("")
    lines.append(
        "Draft for legal review. Classes: **substantive** (duty, deadline, recipient, scope, citation or a "
        "trigger word changed), **needs-review** (the rules cannot tell: read the redline), **editorial** "
        "(proven harmless: whitespace, punctuation, spelling, heading case), **metadata** (no text a reader sees)."
    )
    entries = grouped(results)
    affected = [r for r in results if r.docs_changed()]
    counts = {c: sum(1 for e in entries if e["change"].classification == c) for c in CLASSES}
    lines += [
        "",
        f"{plural(len(entries), 'change')} reaching {len(affected)} of {plural(len(results), 'profile')}: "
        + ", ".join(f"{counts[c]} {c}" for c in CLASSES)
        + ".",
    ]
    warnings = sorted({w for r in results for w in r.warnings()})
    if warnings:
        lines += ["", "**Warnings:**", ""] + [f"- {md_text(w)}" for w in warnings]
    by_group: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in entries:
        by_group.setdefault(_group_key(e["change"]), []).append(e)
    last_where = None
    for (where, what), items in sorted(by_group.items(), key=lambda kv: (kv[0][0] == "All jurisdictions", kv[0])):
        if where != last_where:
            lines += ["", f"## {md_text(where)}"]
            last_where = where
        lines += ["", f"### {md_text(what)}", ""]
        for e in items:
            lines += change_lines(e["change"], e["profiles"])
    return "\n".join(lines).strip() + "\n"
