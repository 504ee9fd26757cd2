"""Choose the clauses that apply to a profile, recording why for every clause.

Selection runs in two steps. First each clause's ``when`` condition is
evaluated against the profile's facts. Then links are applied until nothing
changes: a selected clause that ``excludes`` another drops it, and a clause
whose ``requires`` are not all selected is dropped too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..library import Clause, Library, claims_reason, evaluate
from ..profile import Profile


@dataclass(frozen=True)
class Decision:
    """Whether one clause is in a profile's documents, and the rule that decided it."""

    clause: Clause
    included: bool
    reason: str


_memo: dict[tuple, tuple[Library, list[Decision]]] | None = None
_MEMO_SIZE = 80  # a little over the 65 service x jurisdiction pairs, whose decisions lint reuses in turn


@contextlib.contextmanager
def memoised() -> Iterator[None]:
    """Within the block, :func:`select` answers a library and facts it has seen from memory.

    ``lint`` selects for the same profile facts many times over (coverage
    pairs, their promise backing, the consistency pairs, dead-clause
    candidates); the decisions depend on nothing else.
    """
    global _memo
    previous, _memo = _memo, {}
    try:
        yield
    finally:
        _memo = previous


def _facts_key(facts: dict[str, Any]) -> tuple:
    return tuple((k, tuple(sorted(v)) if isinstance(v, (set, frozenset)) else v) for k, v in sorted(facts.items()))


def select(library: Library, profile: Profile) -> list[Decision]:
    """Decide every clause in the library for a profile (in clause-id order)."""
    facts = profile.facts()
    if _memo is None:
        return _select(library, facts)
    key = (id(library), _facts_key(facts))
    hit = _memo.get(key)
    if hit is None or hit[0] is not library:
        if len(_memo) >= _MEMO_SIZE:  # oldest first: lint's repeats come close together
            del _memo[next(iter(_memo))]
        hit = _memo[key] = (library, _select(library, facts))
    return list(hit[1])


def _select(library: Library, facts: dict[str, Any]) -> list[Decision]:
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
