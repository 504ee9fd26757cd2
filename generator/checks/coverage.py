"""Coverage of the clause library: what every service x jurisdiction pair gets.

For each pair we build the smallest realistic profile (that service, that
jurisdiction, defaults for the rest), select clauses for it, and check that
its documents contain the topics that pair needs: mandatory reporting and
preservation for that jurisdiction, law-enforcement handling, the minimum age,
user reporting, and help resources for that jurisdiction.

The same module finds *dead* clauses (no valid profile selects them) by
building candidate profiles from the facts each clause's condition mentions,
and *unbacked promises*: ToS clauses that say what the company will do, which
are selected for a profile without any SOP step that ``implements`` them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..documents import Decision, select
from ..documents.selection import included_ids
from ..errors import ProfileError
from ..library import FACTS, Clause, Library, mentioned
from ..profile import Profile, validate_profile
from ..profile import vocabulary as V
from ..records import measure_gaps

#: ToS sections whose clauses promise something the SOP must carry out.
PROMISE_SECTIONS = ("reporting", "our-response", "authorities", "appeals")


@dataclass(frozen=True)
class Need:
    """A topic a document must cover; ``local`` needs it for the pair's jurisdiction."""

    doc: str
    topic: str
    local: bool


NEEDS: tuple[Need, ...] = (
    Need("tos", "mandatory-reporting", True),
    Need("tos", "minimum-age", False),
    Need("tos", "user-reporting", False),
    Need("sop", "mandatory-reporting", True),
    Need("sop", "preservation", True),
    Need("sop", "law-enforcement", False),
    Need("tips", "help-resources", True),
    Need("tips", "user-reporting", False),
)


@dataclass
class Cell:
    """One service x jurisdiction pair."""

    service: str
    jurisdiction: str
    counts: dict[str, int] = field(default_factory=dict)
    obligations: list[str] = field(default_factory=list)
    missing: list[Need] = field(default_factory=list)
    #: UK code measures that apply and that no selected clause implements (the records' register shows them as gaps).
    measure_gaps: list[str] = field(default_factory=list)


def pair_profile(service: str, jurisdiction: str, team_size: str | None = None) -> Profile:
    """Return the smallest valid profile for a service in a jurisdiction (with a team size, if given)."""
    raw: dict[str, Any] = {
        "company": {"name": "Coverage Check", "contact": {"safety": "safety@coverage.example"}},
        "services": [service],
        "jurisdictions": [jurisdiction],
    }
    if team_size is not None:
        raw["team"] = {"size": team_size}
    if service == "dating":
        raw["audience"] = {"minimum_age": 18}
    label = f"{service} in {jurisdiction}" + (f", {team_size} team" if team_size else "")
    return validate_profile(raw, f"<{label}>")


def _local(clause: Clause, jurisdiction: str) -> bool:
    """Whether a clause speaks to one jurisdiction (by condition or obligation)."""
    if jurisdiction in mentioned(clause.meta["when"], "jurisdictions"):
        return True
    return any(o["jurisdiction"] == jurisdiction for o in clause.meta["obligations"])


def cell(library: Library, service: str, jurisdiction: str) -> Cell:
    """Compute one pair's clause counts, obligations and missing needs."""
    profile = pair_profile(service, jurisdiction)
    decisions = select(library, profile)
    chosen = [d.clause for d in decisions if d.included]
    out = Cell(service, jurisdiction)
    out.measure_gaps = measure_gaps(profile, decisions)
    for doc in V.DOC_KINDS:
        out.counts[doc] = sum(1 for c in chosen if c.doc == doc)
    out.obligations = sorted({f"{o['kind']}:{o['jurisdiction']}" for c in chosen for o in c.meta["obligations"]})
    for need in NEEDS:
        hits = [c for c in chosen if c.doc == need.doc and need.topic in c.meta["covers"]]
        if need.local:
            hits = [c for c in hits if _local(c, jurisdiction)]
        if not hits:
            out.missing.append(need)
    return out


def matrix(library: Library) -> list[Cell]:
    """Every service x jurisdiction pair, in vocabulary order."""
    return [cell(library, s, j) for s in V.SERVICES for j in V.JURISDICTIONS]


def is_promise(clause: Clause) -> bool:
    """Whether a ToS clause promises something an SOP step must carry out.

    Clauses in :data:`PROMISE_SECTIONS`, and clauses that claim a safeguard
    (``claims: [safeguards.x]``): a product behaviour the terms promise must
    be checked by an SOP step.
    """
    if clause.doc != "tos":
        return False
    claims = clause.meta.get("claims") or []
    return clause.section in PROMISE_SECTIONS or any(c.startswith("safeguards.") for c in claims)


def unbacked_promises(decisions: list[Decision]) -> list[tuple[Clause, str]]:
    """Return selected ToS promises that no selected SOP step implements."""
    chosen = {d.clause.id: d.clause for d in decisions if d.included}
    backed = {target for c in chosen.values() if c.doc == "sop" for target in c.meta["implements"]}
    out = []
    for c in chosen.values():
        if is_promise(c) and c.id not in backed:
            implementers = sorted(d.clause.id for d in decisions if c.id in d.clause.meta["implements"])
            why = (
                f"implemented by {', '.join(implementers)}, none selected for this profile"
                if implementers
                else "no SOP clause implements it"
            )
            out.append((c, why))
    return out


# -- dead clauses ---------------------------------------------------------------------

_FEATURE_FACTS = set(V.FEATURES)


def _candidate_values(fact: str, cond_values: set[str]) -> list[Any]:
    kind, allowed = FACTS[fact]
    if kind == "bool":
        return [True, False]
    if fact == "company_country":
        return [*sorted(cond_values), "unknown"]
    if kind == "enum":
        return list(allowed or ())
    values: list[Any] = [[v] for v in sorted(cond_values)] or [[(allowed or ("",))[0]]]
    if len(cond_values) > 1:  # conditions like all: [{jurisdictions: [eu]}, {jurisdictions: [us]}]
        values.append(sorted(cond_values))
    return [*values, []]


def facts_in(cond: Any) -> set[str]:
    """Return every fact a condition tests, inside combinators too."""
    out: set[str] = set()
    if isinstance(cond, dict):
        for key, value in cond.items():
            if key in ("any", "all") and isinstance(value, list):
                for sub in value:
                    out |= facts_in(sub)
            elif key == "not":
                out |= facts_in(value)
            elif key in FACTS:
                out.add(key)
    return out


def _raw_profile(assign: dict[str, Any]) -> dict[str, Any]:
    services = assign.get("services") or ["forum"]
    min_age = 13
    if assign.get("under_13"):
        min_age = 10
    elif assign.get("minors") is False or "dating" in services:
        min_age = 18
    raw: dict[str, Any] = {
        "company": {"name": "Dead Check", "contact": {"safety": "safety@dead.example"}},
        "services": services,
        "jurisdictions": assign.get("jurisdictions") or ["us"],
        "audience": {
            "minimum_age": min_age,
            "parental_consent": bool(assign.get("parental_consent", min_age < 13)) or min_age < 13,
            "age_assurance": assign.get("age_assurance", "self-declaration"),
        },
        "features": {k: v for k, v in assign.items() if k in _FEATURE_FACTS},
        "detection": {
            "hash_matching": assign.get("hash_matching", []),
            "url_lists": assign.get("url_lists", []),
            "text_classifiers": bool(assign.get("text_classifiers", False)),
        },
        "team": {"size": assign.get("team_size", "small")},
    }
    # second edition: safeguards, per-feature ages, determinations, country
    safeguards = {s: True for s in assign.get("safeguards", [])}
    safeguards.update({s: False for s in assign.get("safeguards_off", []) if s not in safeguards})
    raw["safeguards"] = safeguards
    for f in assign.get("minors_may_use", []):
        raw["features"].setdefault(f, True)
    for f in assign.get("feature_age_limits", []):
        raw["features"].setdefault(f, True)
        raw["audience"]["minimum_age_for"] = {**raw["audience"].get("minimum_age_for", {}), f: 18}
        if raw["audience"]["minimum_age"] >= 18:
            raw["audience"]["minimum_age"] = 16
    raw["determinations"] = {k: v for k, v in assign.items() if k in V.DETERMINATIONS}
    country = assign.get("company_country")
    if assign.get("company_in_eu"):
        country = "de"
    if country and country != "unknown":
        raw["company"]["country"] = country
    feats = raw["features"]
    if feats.get("e2ee"):
        feats["direct_messages"] = True
    if raw["detection"]["hash_matching"]:
        feats["user_uploads"] = True
    return raw


def _candidates(clause: Clause, library: Library, limit: int = 4096) -> Iterable[dict[str, Any]]:
    """Profiles built from the facts the clause (and the clauses it requires) test."""
    conds = [clause.meta["when"]] + [
        library.clauses[r].meta["when"] for r in clause.meta["requires"] if r in library.clauses
    ]
    facts = sorted(set().union(*(facts_in(c) for c in conds)))
    choices = [_candidate_values(f, set().union(*(mentioned(c, f) for c in conds))) for f in facts]
    claimed = [c.split(".", 1)[1] for c in clause.meta.get("claims") or [] if c.startswith("safeguards.")]
    claimed_features = [c.split(".", 1)[1] for c in clause.meta.get("claims") or [] if c.startswith("features.")]
    for n, combo in enumerate(itertools.product(*choices)):
        if n >= limit:
            return
        assign = dict(zip(facts, combo, strict=True))
        if claimed:
            assign["safeguards"] = sorted({*(assign.get("safeguards") or []), *claimed})
        for f in claimed_features:
            assign.setdefault(f, True)
        yield _raw_profile(assign)


def dead_clauses(library: Library) -> list[Clause]:
    """Clauses that no valid profile built from their condition's facts selects.

    Each distinct candidate profile is validated and run through selection
    once (``included_ids``: the decisions without their reasons), and every
    clause it includes is marked alive, so the work grows with the number of
    distinct candidates, not with clauses times candidates.
    """
    alive: set[str] = set()
    tried: set[str] = set()
    for clause in library.clauses.values():
        if clause.id in alive:
            continue
        for raw in _candidates(clause, library):
            key = json.dumps(raw, sort_keys=True)
            if key in tried:
                continue
            tried.add(key)
            try:
                profile = validate_profile(raw, "<dead-clause check>")
            except ProfileError:
                continue
            alive.update(included_ids(library, profile))
            if clause.id in alive:
                break
    return [c for c in library.clauses.values() if c.id not in alive]


# -- reports ------------------------------------------------------------------------


def rows(cells: list[Cell]) -> tuple[list[str], list[list[str]]]:
    """Flatten cells into a table: one row per pair."""
    headers = ["service", "jurisdiction", "tos", "sop", "tips", "obligations", "gaps", "measure gaps"]
    out = []
    for c in cells:
        gaps = "; ".join(f"{n.doc}:{n.topic}" for n in c.missing) or "none"
        out.append(
            [
                c.service,
                c.jurisdiction,
                str(c.counts["tos"]),
                str(c.counts["sop"]),
                str(c.counts["tips"]),
                ", ".join(c.obligations) or "none",
                gaps,
                ", ".join(c.measure_gaps) or "none",
            ]
        )
    return headers, out


def terminal_rows(cells: list[Cell]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the terminal matrix: ``tos/sop/tips`` counts per pair, ``GAP`` where a topic is missing."""
    headers = ["service", *V.JURISDICTIONS]
    table = [
        [
            s,
            *["{tos}/{sop}/{tips}".format(**c.counts) + (" GAP" if c.missing else "") for c in cells if c.service == s],
        ]
        for s in V.SERVICES
    ]
    return headers, table


def render_report(cells: list[Cell], fmt: str, library: Library) -> str:
    """Render the coverage matrix as ``md``, ``html`` or ``csv`` text."""
    import csv
    import io
    from html import escape

    headers, table = rows(cells)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(table)
        return buffer.getvalue()
    title = f"Coverage of {library.name} {library.version}"
    gaps = sum(len(c.missing) for c in cells)
    measures = sum(len(c.measure_gaps) for c in cells)
    summary = (
        f"{len(cells)} service x jurisdiction pairs, {gaps} gaps; "
        f"{measures} UK code measure gaps (a measure no selected clause implements)."
    )
    if fmt == "md":
        lines = [f"# {title}", "", summary, "", "| " + " | ".join(headers) + " |"]
        lines.append("|" + "---|" * len(headers))
        lines.extend("| " + " | ".join(r) + " |" for r in table)
        return "\n".join(lines) + "\n"
    if fmt == "html":
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
        body = "\n".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in r) + "</tr>" for r in table)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>\n<style>body{{font-family:system-ui,sans-serif;margin:1.5rem}}"
            "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left}"
            "</style></head>\n<body>\n<main>\n"
            f"<h1>{escape(title)}</h1>\n<p>{escape(summary)}</p>\n"
            f"<table>\n<caption>Clauses per document and obligations for each pair</caption>\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</main>\n</body>\n</html>\n"
        )
    raise ValueError(f"unknown format {fmt!r}")
