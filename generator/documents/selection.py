"""Choose the clauses that apply to a profile, recording why for every clause.

Selection runs in two steps. First each clause's ``when`` condition is
evaluated against the profile's facts. Then links are applied until nothing
changes: a selected clause that ``excludes`` another drops it, and a clause
whose ``requires`` are not all selected is dropped too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..library import Clause, Library, claims_reason, evaluate
from ..profile import Profile


@dataclass(frozen=True)
class Decision:
    """Whether one clause is in a profile's documents, and the rule that decided it."""

    clause: Clause
    included: bool
    reason: str


def select(library: Library, profile: Profile) -> list[Decision]:
    """Decide every clause in the library for a profile (in clause-id order)."""
    facts = profile.facts()
    verdict: dict[str, tuple[bool, str]] = {}
    for cid, clause in library.clauses.items():
        verdict[cid] = evaluate(clause.meta["when"], facts)
        claims = clause.meta.get("claims") or []
        if verdict[cid][0] and claims:
            ok, why = claims_reason(claims, facts)
            verdict[cid] = (ok, f"{verdict[cid][1]}; {why}" if ok else why)
    changed = True
    while changed:
        changed = False
        for cid, clause in library.clauses.items():
            if not verdict[cid][0]:
                continue
            for other in clause.meta["excludes"]:
                if verdict.get(other, (False, ""))[0]:
                    verdict[other] = (False, f"replaced by {cid}, which applies and excludes it")
                    changed = True
            missing = [r for r in clause.meta["requires"] if not verdict.get(r, (False, ""))[0]]
            if missing:
                verdict[cid] = (False, f"requires {', '.join(missing)}, which is not selected")
                changed = True
    return [Decision(c, *verdict[cid]) for cid, c in library.clauses.items()]


def selected(decisions: list[Decision], doc: str | None = None) -> list[Clause]:
    """Return the included clauses, optionally of one document kind."""
    return [d.clause for d in decisions if d.included and (doc is None or d.clause.doc == doc)]
